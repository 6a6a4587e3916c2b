// The core's one public entry: a pure, deterministic state machine. Commands in, events out.
export * from './types.ts';
export type { EngineConfig, InstrumentConfig } from './config.ts';
export { DEFAULT_ENGINE_SETTINGS, validateEngineConfig, ConfigError } from './config.ts';
export type { StateDump, SymbolDump, AccountDump, OrderDump, BalanceDump, ClientOrderDump, IdempotencyKeyDump } from './dump.ts';
export { stateHash } from './hash.ts';
export { Engine } from './engine.ts';
export { CollectingSink, NullSink } from './sinks.ts';
export { InvariantError } from './invariants.ts';
// The book's typed-array structures, for read models that keep a book of their own (the market view).
export { OrderPool, NIL } from './book/order-pool.ts';
export { LevelPool } from './book/level-pool.ts';
export { OrderBook } from './book/order-book.ts';
export { OrderIndex } from './book/order-index.ts';
