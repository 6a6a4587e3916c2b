// The fold from released commands to rows, without a database: ledger legs of a trade to the cent,
// deposits against the outside world, orders carried across batches, COPY text escapes, gap checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Command, CommandKind, OrderType, Side, TimeInForce } from '../../src/engine/index.ts';
import { BinaryCopy } from '../../src/reporting/copy-binary.ts';
import { buildRows, type StoredOrder, type TableRows } from '../../src/reporting/rows.ts';
import { SequenceGapError, unwritten } from '../../src/reporting/writer.ts';
import { flowConfig, runEngine } from './flow.ts';

type Body = Command extends infer C ? (C extends Command ? Omit<C, 'sequence' | 'timestampMs'> : never) : never;

function stamp(bodies: Body[]): Command[] {
  return bodies.map((body, i) => ({ ...body, sequence: i + 1, timestampMs: 1_800_000_000_000 + i * 1_000 }) as Command);
}

function rowsOf(table: TableRows): Array<Record<string, unknown>> {
  return Array.from({ length: table.length }, (_, r) => Object.fromEntries(table.spec.columns.map(([name], c) => [name, table.arrays[c][r]])));
}

const order = (accountId: number, side: Side, priceCents: number, quantity: number, timeInForce: TimeInForce = TimeInForce.GTC): Body => ({
  kind: CommandKind.NewOrder, accountId, symbolId: 0, side, orderType: OrderType.Limit, priceCents, quantity, timeInForce, postOnly: false, clientOrderId: '',
});

describe('reporting rows', () => {
  const config = { ...flowConfig(['AAA']), makerFeeBps: 10, takerFeeBps: 20 };
  const { released } = runEngine(config, stamp([
    { kind: CommandKind.CreateAccount, name: 'seller', apiKey: '', apiSecret: '' },
    { kind: CommandKind.CreateAccount, name: 'buyer', apiKey: '', apiSecret: '' },
    { kind: CommandKind.Deposit, accountId: 1, asset: 1, amount: 100, idempotencyKey: '' },
    { kind: CommandKind.Deposit, accountId: 2, asset: 0, amount: 10_000_000, idempotencyKey: '' },
    { kind: CommandKind.Withdraw, accountId: 2, asset: 0, amount: 1_000, idempotencyKey: '' },
    { kind: CommandKind.OpenSession },
    order(1, Side.Sell, 10_000, 30), // 7: rests
    order(2, Side.Buy, 10_100, 10), // 8: takes 10 at 100.00
    order(2, Side.Buy, 10_000, 5, TimeInForce.IOC), // 9: takes 5 more
    { kind: CommandKind.CancelOrder, accountId: 1, orderId: 7 }, // 10
  ]));

  it('books a trade as five legs that sum to zero per asset, fees to account 0', () => {
    const rows = buildRows(released.slice(0, 8), new Map());
    const ledger = rowsOf(rows.tables.find((t) => t.spec.table === 'ledger_entries')!);
    const trade = ledger.filter((r) => r.kind === 'trade' || r.kind === 'fee');
    // 10 x 100.00 = 100,000 cents; the buyer (taker) pays 20 bps = 200 on top, the seller (maker) 10 bps = 100 out of it.
    assert.deepEqual(trade.map((r) => [r.leg, r.account_id, r.asset, r.amount, r.kind, r.trade_id]), [
      [0, 2, 0, -100_200, 'trade', 1],
      [1, 1, 0, 99_900, 'trade', 1],
      [2, 2, 1, 10, 'trade', 1],
      [3, 1, 1, -10, 'trade', 1],
      [4, 0, 0, 300, 'fee', 1],
    ]);
    const deposits = ledger.filter((r) => r.kind === 'deposit' || r.kind === 'withdrawal');
    assert.deepEqual(deposits.map((r) => [r.leg, r.account_id, r.asset, r.amount, r.kind]), [
      [0, 1, 1, 100, 'deposit'], [1, -1, 1, -100, 'deposit'],
      [0, 2, 0, 10_000_000, 'deposit'], [1, -1, 0, -10_000_000, 'deposit'],
      [0, 2, 0, -1_000, 'withdrawal'], [1, -1, 0, 1_000, 'withdrawal'],
    ]);
    const candles = rowsOf(rows.tables.find((t) => t.spec.table === 'candles')!);
    assert.deepEqual(candles.map((c) => c.resolution), ['1m', '5m', '15m', '1h', '1d']);
    assert.ok(candles.every((c) => c.open_cents === 10_000 && c.volume === 10 && c.trades === 1));
  });

  it('carries an order across batches from its stored state', () => {
    const first = buildRows(released.slice(0, 8), new Map());
    const resting = first.orders.get(7)!;
    assert.equal(resting.filledQuantity, 10);
    const stored = new Map<number, StoredOrder>([[7, { ...resting }]]);
    const second = buildRows(released.slice(8), stored);
    const changed = rowsOf(second.tables.find((t) => t.spec.sql !== undefined && t.spec.table === 'orders')!);
    assert.deepEqual(changed.map((r) => [r.order_id, r.filled_quantity, r.filled_notional_cents, r.status]), [[7, 15, 150_000, 'canceled']]);
    const created = rowsOf(second.tables.find((t) => t.spec.sql === undefined && t.spec.table === 'orders')!);
    assert.deepEqual(created.map((r) => [r.order_id, r.filled_quantity, r.status]), [[9, 5, 'filled']]);
    assert.equal(stored.get(7)!.filledQuantity, 10, 'the stored state is not mutated');
  });

  it('writes binary COPY data: big-endian integers, UTF-8 text, -1 for null', () => {
    const copy = new BinaryCopy(['bigint', 'bigint', 'integer', 'smallint', 'boolean', 'text', 'text'], 16);
    const text = 'tab\t"q" \\N ünï €';
    copy.add([2 ** 53 - 1, -5_000_000_000, -7, 3, true, text, null]);
    const data = copy.finish();
    assert.equal(data.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
    let at = 19;
    assert.equal(data.readInt16BE(at), 7);
    at += 2;
    const field = (): Buffer | null => {
      const length = data.readInt32BE(at);
      at += 4;
      if (length < 0) return null;
      at += length;
      return data.subarray(at - length, at);
    };
    assert.equal(field()!.readBigInt64BE(), 2n ** 53n - 1n);
    assert.equal(field()!.readBigInt64BE(), -5_000_000_000n);
    assert.equal(field()!.readInt32BE(), -7);
    assert.equal(field()!.readInt16BE(), 3);
    assert.equal(field()!.readUInt8(), 1);
    assert.equal(field()!.toString('utf8'), text);
    assert.equal(field(), null);
    assert.equal(data.readInt16BE(at), -1);
    assert.equal(at + 2, data.length);
  });

  it('drops what is written and refuses gaps', () => {
    assert.deepEqual(unwritten(released.slice(0, 5), 3).map((r) => r.command.sequence), [4, 5]);
    assert.deepEqual(unwritten(released.slice(0, 5), 9), []);
    assert.throws(() => unwritten(released.slice(5, 8), 4), SequenceGapError);
    assert.throws(() => unwritten([released[3], released[5]], 3), SequenceGapError);
  });
});
