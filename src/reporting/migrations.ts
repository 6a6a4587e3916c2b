// The reporting schema, as an ordered list of migrations. Migration i (1-based) runs once, in a
// transaction, and is recorded in schema_migrations; the SQL is plain PostgreSQL that runs the same on a
// server (15+) and on PGlite. Append new migrations; never edit one that has shipped.
import type { SqlClient } from './sql.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: the tables the event stream fills.
  `
  CREATE TABLE accounts (
    account_id bigint PRIMARY KEY,
    name text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'blocked')),
    created_ms bigint NOT NULL
  );
  -- The fee account exists from genesis, without an event.
  INSERT INTO accounts (account_id, name, status, created_ms) VALUES (0, 'fees', 'blocked', 0);

  CREATE TABLE symbols (
    symbol_id integer PRIMARY KEY,
    symbol text NOT NULL
  );

  CREATE TABLE orders (
    order_id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    symbol_id integer NOT NULL,
    side smallint NOT NULL CHECK (side IN (0, 1)),
    order_type smallint NOT NULL CHECK (order_type IN (0, 1)),
    price_cents bigint NOT NULL,
    quantity bigint NOT NULL,
    time_in_force smallint NOT NULL,
    post_only boolean NOT NULL,
    client_order_id text NOT NULL,
    creation_time_ms bigint NOT NULL,
    filled_quantity bigint NOT NULL,
    filled_notional_cents bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('new', 'partially_filled', 'filled', 'canceled')),
    last_event_sequence bigint NOT NULL
  ) WITH (fillfactor = 80); -- room on the page for updates that touch no indexed column (HOT)
  CREATE INDEX orders_by_account ON orders (account_id, order_id);

  -- The audit trail: one row per order event. Columns a kind does not have are null: quantity is the
  -- accepted, executed, canceled or new total quantity; reason is set for cancels, kept_priority for replaces.
  CREATE TABLE order_events (
    event_sequence bigint PRIMARY KEY,
    command_sequence bigint NOT NULL,
    order_id bigint NOT NULL,
    account_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('accepted', 'execution', 'canceled', 'replaced')),
    time_ms bigint NOT NULL,
    price_cents bigint NOT NULL,
    quantity bigint NOT NULL,
    remaining_quantity bigint,
    trade_id bigint,
    fee_cents bigint,
    is_maker boolean,
    reason text CHECK (reason IN ('user', 'immediate_or_cancel', 'fill_or_kill', 'self_trade', 'expired')),
    kept_priority boolean
  );
  CREATE INDEX order_events_by_order ON order_events (order_id, event_sequence);

  CREATE TABLE executions (
    execution_id bigint PRIMARY KEY,
    trade_id bigint NOT NULL,
    order_id bigint NOT NULL,
    account_id bigint NOT NULL,
    symbol_id integer NOT NULL,
    side smallint NOT NULL CHECK (side IN (0, 1)),
    order_type smallint NOT NULL CHECK (order_type IN (0, 1)),
    price_cents bigint NOT NULL,
    quantity bigint NOT NULL,
    fee_cents bigint NOT NULL,
    is_maker boolean NOT NULL,
    time_ms bigint NOT NULL,
    event_sequence bigint NOT NULL
  );
  -- Time never goes backwards in the command log and trade ids only go up, so (time_ms, execution_id) is
  -- the order of execution ids too: one index serves "newest first" pages and time windows alike.
  CREATE INDEX executions_by_account ON executions (account_id, time_ms, execution_id);
  -- Rows arrive in time order, so a BRIN index finds a day's executions at almost no cost to maintain.
  CREATE INDEX executions_by_time ON executions USING brin (time_ms);

  -- Double entry: every event's entries sum to zero per asset. A trade (keyed by its taker execution's
  -- event) has legs 0 buyer cash -(price * quantity + buyer fee), 1 seller cash +(price * quantity - seller
  -- fee), 2 buyer shares +quantity, 3 seller shares -quantity, 4 fee account cash +(both fees, when not 0).
  -- A deposit or withdrawal has legs 0 the account and 1 account -1, the outside world.
  CREATE TABLE ledger_entries (
    event_sequence bigint NOT NULL,
    leg smallint NOT NULL,
    account_id bigint NOT NULL,
    asset integer NOT NULL,
    amount bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('trade', 'fee', 'deposit', 'withdrawal')),
    trade_id bigint,
    time_ms bigint NOT NULL,
    PRIMARY KEY (event_sequence, leg)
  );
  CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id, time_ms);

  -- From taker executions (one per trade). first/last_event_sequence make the upsert idempotent.
  CREATE TABLE candles (
    symbol_id integer NOT NULL,
    resolution text NOT NULL CHECK (resolution IN ('1m', '5m', '15m', '1h', '1d')),
    time_ms bigint NOT NULL,
    open_cents bigint NOT NULL,
    high_cents bigint NOT NULL,
    low_cents bigint NOT NULL,
    close_cents bigint NOT NULL,
    volume bigint NOT NULL,
    trades bigint NOT NULL,
    first_event_sequence bigint NOT NULL,
    last_event_sequence bigint NOT NULL,
    PRIMARY KEY (symbol_id, resolution, time_ms)
  ) WITH (fillfactor = 70);

  CREATE TABLE consumer_offsets (
    consumer text PRIMARY KEY,
    sequence bigint NOT NULL
  );
  `,
];

/** Tables counted by `counts()`. */
export const TABLES = [
  'accounts', 'symbols', 'orders', 'order_events', 'executions', 'ledger_entries', 'candles', 'consumer_offsets',
] as const;

/** Any constant: serializes concurrent migrators on a PostgreSQL server. */
const MIGRATION_LOCK = 7_270_141;

/** Applies the migrations not yet recorded; returns how many ran. */
export async function migrate(client: SqlClient, nowMs: number): Promise<number> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_ms bigint NOT NULL)');
    const rows = await tx.query<{ version: number }>('SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations');
    const current = rows[0].version;
    if (current > MIGRATIONS.length) {
      throw new Error(`reporting schema is at version ${current}, newer than this code (${MIGRATIONS.length})`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await tx.exec(MIGRATIONS[version - 1]);
      await tx.query('INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)', [version, nowMs]);
    }
    return MIGRATIONS.length - current;
  });
}
