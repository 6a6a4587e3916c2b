// Integer arithmetic of docs/engine-semantics.md, spelled out with exact integer division so that the
// reference model never depends on how a float rounds.

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function isSafeIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/** floor(a / b) for a >= 0 and b > 0, exact for safe integers. */
export function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/** ceil(a / b) for a >= 0 and b > 0. */
export function ceilDiv(a: number, b: number): number {
  const q = floorDiv(a, b);
  return q * b === a ? q : q + 1;
}

/** fee(n, bps) = floor(n * bps / 10000), computed as the spec writes it so nothing passes 2^53. */
export function fee(notionalCents: number, bps: number): number {
  return floorDiv(notionalCents, 10_000) * bps + floorDiv((notionalCents % 10_000) * bps, 10_000);
}

/** Cash an open buy of `quantity` at `priceCents` holds: notional plus the larger fee. */
export function requiredHold(priceCents: number, quantity: number, maxFeeBps: number): number {
  const notional = priceCents * quantity;
  return notional + fee(notional, maxFeeBps);
}

export interface PriceBand {
  lowCents: number;
  highCents: number;
}

export function priceBand(centerCents: number, percent: number, tickCents: number): PriceBand {
  const rawLow = ceilDiv(centerCents * (100 - percent), 100);
  const rawHigh = floorDiv(centerCents * (100 + percent), 100);
  return {
    lowCents: Math.max(tickCents, ceilDiv(rawLow, tickCents) * tickCents),
    highCents: floorDiv(rawHigh, tickCents) * tickCents,
  };
}
