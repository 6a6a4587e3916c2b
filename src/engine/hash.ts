// A 64-bit canonical hash of a StateDump: two independent 32-bit multiply-xorshift lanes fed with every
// number, string and boolean in the dump in key order. Pure and allocation-light; its job is to be the
// yardstick of determinism (equal states, equal hashes; a changed cent, a different hash), not to be a
// cryptographic commitment.
import type { StateDump } from './dump.ts';

class Hasher {
  private h1 = 0x9e3779b9 | 0;
  private h2 = 0x85ebca6b | 0;

  private word(value: number): void {
    this.h1 = Math.imul(this.h1 ^ value, 0x85ebca77);
    this.h1 ^= this.h1 >>> 15;
    this.h2 = Math.imul(this.h2 ^ value, 0xc2b2ae3d);
    this.h2 ^= this.h2 >>> 13;
    this.h2 = Math.imul(this.h2, 0x27d4eb2f);
  }

  number(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`stateHash: ${value} is not a safe integer`);
    // Split into low 32 bits and the high part so every safe integer hashes exactly.
    const high = Math.floor(value / 0x1_0000_0000);
    this.word(1);
    this.word(value >>> 0);
    this.word(high | 0);
  }

  string(value: string): void {
    this.word(2);
    this.word(value.length);
    for (let i = 0; i < value.length; i++) this.word(value.charCodeAt(i));
  }

  value(value: unknown): void {
    if (typeof value === 'number') this.number(value);
    else if (typeof value === 'string') this.string(value);
    else if (typeof value === 'boolean') this.word(value ? 3 : 4);
    else if (Array.isArray(value)) {
      this.word(5);
      this.word(value.length);
      for (const item of value) this.value(item);
    } else if (value !== null && typeof value === 'object') {
      this.word(6);
      for (const key of Object.keys(value)) {
        this.string(key);
        this.value((value as Record<string, unknown>)[key]);
      }
    } else throw new Error(`stateHash: cannot hash ${String(value)}`);
  }

  digest(): string {
    const mix = (h: number): number => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x7feb352d);
      h ^= h >>> 15;
      h = Math.imul(h, 0x846ca68b);
      return (h ^ (h >>> 16)) >>> 0;
    };
    const a = mix(this.h1 ^ Math.imul(this.h2, 0x165667b1));
    const b = mix(this.h2 ^ Math.imul(this.h1, 0x27d4eb2f));
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/** Hex string of 16 digits. Key order matters, which is why dumps are built in one canonical order. */
export function stateHash(dump: StateDump): string {
  const hasher = new Hasher();
  hasher.value(dump);
  return hasher.digest();
}
