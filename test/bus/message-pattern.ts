// The stress tests' messages: length and every byte derive from (producer, index), so a lost, repeated,
// reordered or torn message shows up as a mismatch at the first byte it touches. The first four bytes
// spell the index itself.
export const MAX_STRESS_MESSAGE_BYTES = 200;

export function messageLength(index: number, producerId: number): number {
  return 1 + ((Math.imul(index ^ (producerId << 24), 0x85ebca6b) >>> 0) % MAX_STRESS_MESSAGE_BYTES);
}

function byteAt(index: number, producerId: number, k: number): number {
  return ((index >>> ((k & 3) << 3)) + k * 7 + producerId * 13) & 0xff;
}

export function fillMessage(data: Uint8Array, offset: number, lengthBytes: number, index: number, producerId: number): void {
  for (let k = 0; k < lengthBytes; k++) data[offset + k] = byteAt(index, producerId, k);
}

/** Checks each message against the pattern and counts them; throws on the first that differs. */
export class MessageChecker {
  received = 0;
  readonly check = (data: Uint8Array, offset: number, lengthBytes: number): void => {
    const index = this.received;
    const expectedBytes = messageLength(index, this.producerId);
    if (lengthBytes !== expectedBytes) throw new Error(`producer ${this.producerId} message ${index}: length ${lengthBytes}, expected ${expectedBytes}`);
    for (let k = 0; k < lengthBytes; k++) {
      if (data[offset + k] !== byteAt(index, this.producerId, k)) throw new Error(`producer ${this.producerId} message ${index}: byte ${k} differs`);
    }
    this.received++;
  };

  constructor(private readonly producerId: number) {}
}
