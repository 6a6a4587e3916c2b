// Configuration of the core: instruments, fees, self-trade policy, default risk limits, capacities.
// Validated once at construction so the hot path can trust it.
import { SelfTradePrevention } from './types.ts';

/** One listed instrument as configured. Prices in cents (integers). */
export interface InstrumentConfig {
  /** Ticker, e.g. 'AAPL'. */
  symbol: string;
  /** Issuer name, e.g. 'Apple Inc.'. */
  name: string;
  /** Tick size in cents, integer >= 1. */
  tickCents: number;
  /** Largest quantity accepted in one order, in shares. */
  maxOrderQuantity: number;
  /** The band's anchor before the first trade, in cents. */
  referencePriceCents: number;
  /** Integer percent either side of the band's center, >= 5. */
  priceBandPercent: number;
}

export interface EngineConfig {
  instruments: readonly InstrumentConfig[];
  makerFeeBps: number;
  takerFeeBps: number;
  selfTradePrevention: SelfTradePrevention;
  /** Limits a new account starts with. */
  defaultMaxOpenOrders: number;
  defaultMaxOpenNotionalCents: number;
  /** Upper bound of any price, so that every notional is an exact integer. */
  maxPriceCents: number;
  /** Resting orders the pools hold before they grow (growing is allowed, but costs a copy). */
  initialOrderCapacity: number;
}

export const DEFAULT_ENGINE_SETTINGS: Omit<EngineConfig, 'instruments'> = {
  makerFeeBps: 1,
  takerFeeBps: 3,
  selfTradePrevention: SelfTradePrevention.CancelResting,
  defaultMaxOpenOrders: 10_000,
  defaultMaxOpenNotionalCents: 10_000_000_000_000, // $100 billion: effectively off unless set per account
  maxPriceCents: 1_000_000_000,
  initialOrderCapacity: 1 << 16,
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function isInt(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/** Throws a ConfigError naming the first bad field; returns the config unchanged otherwise. */
export function validateEngineConfig(config: EngineConfig): EngineConfig {
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`engine config: ${field} ${why}`);
  };
  if (config.instruments.length === 0) fail('instruments', 'must list at least one instrument');
  if (config.instruments.length > 65_535) fail('instruments', 'must list at most 65535 instruments');
  if (!isInt(config.makerFeeBps, 0, 1000)) fail('makerFeeBps', 'must be an integer in 0..1000');
  if (!isInt(config.takerFeeBps, 0, 1000)) fail('takerFeeBps', 'must be an integer in 0..1000');
  if (!isInt(config.selfTradePrevention, 0, 2)) fail('selfTradePrevention', 'must be 0, 1 or 2');
  if (!isInt(config.defaultMaxOpenOrders, 0, MAX_SAFE)) fail('defaultMaxOpenOrders', 'must be a safe integer >= 0');
  if (!isInt(config.defaultMaxOpenNotionalCents, 0, MAX_SAFE)) fail('defaultMaxOpenNotionalCents', 'must be a safe integer >= 0');
  if (!isInt(config.maxPriceCents, 1, MAX_SAFE)) fail('maxPriceCents', 'must be a safe integer >= 1');
  if (!isInt(config.initialOrderCapacity, 16, 1 << 26)) fail('initialOrderCapacity', 'must be an integer in 16..2^26');
  const seen = new Set<string>();
  config.instruments.forEach((inst, index) => {
    const at = `instruments[${index}] (${inst.symbol})`;
    if (!/^[A-Z][A-Z0-9._-]{0,15}$/.test(inst.symbol)) fail(at, 'symbol must be 1-16 capitals, digits, . _ -');
    if (seen.has(inst.symbol)) fail(at, 'symbol is listed twice');
    seen.add(inst.symbol);
    if (!isInt(inst.tickCents, 1, config.maxPriceCents)) fail(at, 'tickCents must be an integer in 1..maxPriceCents');
    if (!isInt(inst.maxOrderQuantity, 1, MAX_SAFE)) fail(at, 'maxOrderQuantity must be a safe integer >= 1');
    if (inst.maxOrderQuantity * config.maxPriceCents * 2 > 2 ** 53) {
      fail(at, 'maxOrderQuantity * maxPriceCents * 2 must not pass 2^53 (notionals must stay exact)');
    }
    if (!isInt(inst.referencePriceCents, inst.tickCents, config.maxPriceCents) || inst.referencePriceCents % inst.tickCents !== 0) {
      fail(at, 'referencePriceCents must be a multiple of tickCents within 1..maxPriceCents');
    }
    if (!isInt(inst.priceBandPercent, 5, 99)) fail(at, 'priceBandPercent must be an integer in 5..99');
  });
  return config;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
