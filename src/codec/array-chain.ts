// One typed array kept as parts (a column of a store that grows in pages), to be stored as one: a snapshot
// writes the parts back to back and records one array, which reads back as one. The parts are referenced,
// not copied, so a store can hand over pages that can no longer change (a snapshot of the history then copies
// only what may still change, not all of it).

export type ChainedArray = Uint8Array | Uint32Array | Int32Array | Float64Array;
type ChainedConstructor = Uint8ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor;

export class ArrayChain {
  readonly length: number;

  /** `parts` all of the `type` given (which names the array even when there are none). */
  constructor(readonly type: ChainedConstructor, readonly parts: readonly ChainedArray[]) {
    let length = 0;
    for (const part of parts) {
      if (part.constructor !== type) throw new TypeError(`array chain of ${type.name}: a part is a ${part.constructor.name}`);
      length += part.length;
    }
    this.length = length;
  }

  /** The parts end to end, in one new array. */
  join(): ChainedArray {
    const joined = new this.type(this.length);
    let at = 0;
    for (const part of this.parts) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }
}
