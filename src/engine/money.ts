// Exact integer arithmetic for fees, holds and the price band. Every input is a safe integer and the
// config bounds prices and quantities so that every result is one too.

/** floor(notionalCents * bps / 10000) without ever forming the (possibly unsafe) product. */
export function feeCents(notionalCents: number, bps: number): number {
  const whole = Math.floor(notionalCents / 10_000);
  const rest = notionalCents - whole * 10_000;
  return whole * bps + Math.floor((rest * bps) / 10_000);
}

/** Cash an open buy order of `remaining` shares at limit `priceCents` keeps on hold. */
export function requiredHoldCents(priceCents: number, remaining: number, maxFeeBps: number): number {
  const notional = priceCents * remaining;
  return notional + feeCents(notional, maxFeeBps);
}

/** Lowest price the band allows around `centerCents`, rounded up to the tick, at least one tick. */
export function bandLowCents(centerCents: number, bandPercent: number, tickCents: number): number {
  const raw = Math.ceil((centerCents * (100 - bandPercent)) / 100);
  const ticked = Math.ceil(raw / tickCents) * tickCents;
  return Math.max(ticked, tickCents);
}

/** Highest price the band allows around `centerCents`, rounded down to the tick. */
export function bandHighCents(centerCents: number, bandPercent: number, tickCents: number): number {
  const raw = Math.floor((centerCents * (100 + bandPercent)) / 100);
  return Math.floor(raw / tickCents) * tickCents;
}
