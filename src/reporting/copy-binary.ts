// Rows in PostgreSQL's binary COPY format, written straight into a growing buffer: numbers go in as
// big-endian integers (no number-to-text conversion here, no text parsing on the server), strings as
// UTF-8 with their byte length. Layout: signature, flags, header extension length; per row a field
// count, then per field its byte length (-1 for null) and bytes; a -1 field count ends the data.

export type CopyType = 'bigint' | 'integer' | 'smallint' | 'boolean' | 'text';

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // PGCOPY\n\377\r\n\0
const TWO_32 = 4_294_967_296;
/** The most bytes a fixed-size field takes: length + 8. */
const FIXED_FIELD_BYTES = 12;

export class BinaryCopy {
  private bytes: Buffer;
  private view: DataView;
  private offset = 0;

  constructor(private readonly types: readonly CopyType[], initialBytes = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    for (const byte of SIGNATURE) this.bytes[this.offset++] = byte;
    this.view.setInt32(this.offset, 0); // flags
    this.view.setInt32(this.offset + 4, 0); // header extension length
    this.offset += 8;
  }

  /** Adds one row; values in column order, null for SQL NULL. */
  add(values: readonly unknown[]): void {
    const types = this.types;
    this.reserve(2 + types.length * FIXED_FIELD_BYTES);
    let view = this.view;
    let at = this.offset;
    view.setInt16(at, types.length);
    at += 2;
    for (let i = 0; i < types.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) {
        view.setInt32(at, -1);
        at += 4;
        continue;
      }
      switch (types[i]) {
        case 'bigint': {
          const n = value as number;
          if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${String(value)}`);
          const high = Math.floor(n / TWO_32);
          view.setInt32(at, 8);
          view.setInt32(at + 4, high);
          view.setUint32(at + 8, n - high * TWO_32);
          at += 12;
          break;
        }
        case 'integer':
          view.setInt32(at, 4);
          view.setInt32(at + 4, value as number);
          at += 8;
          break;
        case 'smallint':
          view.setInt32(at, 2);
          view.setInt16(at + 4, value as number);
          at += 6;
          break;
        case 'boolean':
          view.setInt32(at, 1);
          view.setUint8(at + 4, value ? 1 : 0);
          at += 5;
          break;
        case 'text': {
          const text = value as string;
          // Room for this field and the fixed-size ones after it.
          this.offset = at;
          this.reserve(4 + text.length * 3 + (types.length - i) * FIXED_FIELD_BYTES);
          view = this.view;
          const length = this.bytes.write(text, at + 4, 'utf8');
          view.setInt32(at, length);
          at += 4 + length;
          break;
        }
      }
    }
    this.offset = at;
  }

  /** The finished data (call once, after the last row). */
  finish(): Buffer {
    this.reserve(2);
    this.view.setInt16(this.offset, -1);
    this.offset += 2;
    return this.bytes.subarray(0, this.offset);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.offset + bytes));
    this.bytes.copy(grown, 0, 0, this.offset);
    this.bytes = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }
}
