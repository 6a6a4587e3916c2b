// What the reporting store should hold and answer, computed straight from the released events with no
// SQL in sight: the independent side of every comparison in the reporting suite.
import { CancelReason, EventKind, type ExecutionEvent, Side, type StateDump } from '../../src/engine/index.ts';
import type { AuditRow, DailySymbolRow, ExecutionRow, StatementAsset } from '../../src/reporting/index.ts';
import type { Released } from '../../src/sequencer/index.ts';
import { OrderStore } from '../../src/views/index.ts';

export const RESOLUTION_MS: ReadonlyArray<readonly [string, number]> = [
  ['1m', 60_000], ['5m', 300_000], ['15m', 900_000], ['1h', 3_600_000], ['1d', 86_400_000],
];

const REASONS: Record<number, string> = {
  [CancelReason.User]: 'user', [CancelReason.ImmediateOrCancel]: 'immediate_or_cancel', [CancelReason.FillOrKill]: 'fill_or_kill',
  [CancelReason.SelfTrade]: 'self_trade', [CancelReason.Expired]: 'expired',
};

export class Expected {
  readonly orders = new OrderStore();
  readonly executions: ExecutionRow[] = [];
  readonly audit = new Map<number, AuditRow[]>();
  /** accountId -> [name, status] */
  readonly accounts = new Map<number, [string, string]>([[0, ['fees', 'blocked']]]);
  /** One entry per balance effect: [timeMs, accountId, asset, amount, category]. */
  readonly effects: Array<[number, number, number, number, 'deposit' | 'withdrawal' | 'bought' | 'sold' | 'tradeCash' | 'fees']> = [];
  readonly lastSequence: number;
  ledgerRows = 0;
  orderEventRows = 0;

  constructor(readonly released: readonly Released[]) {
    for (const r of released) {
      this.orders.apply(r);
      this.fold(r);
    }
    this.lastSequence = released.length === 0 ? 0 : released[released.length - 1].command.sequence;
  }

  private auditRow(orderId: number, row: AuditRow): void {
    let rows = this.audit.get(orderId);
    if (rows === undefined) this.audit.set(orderId, (rows = []));
    rows.push(row);
    this.orderEventRows++;
  }

  private fold({ events }: Released): void {
    let taker: ExecutionEvent | null = null;
    for (const e of events) {
      const header = { eventSequence: e.eventSequence, commandSequence: e.commandSequence, timeMs: e.timestampMs };
      switch (e.kind) {
        case EventKind.OrderAccepted:
          this.auditRow(e.orderId, {
            ...header, kind: 'accepted', details: {
              side: e.side, orderType: e.orderType, priceCents: e.priceCents, quantity: e.quantity, timeInForce: e.timeInForce,
              postOnly: e.postOnly, clientOrderId: e.clientOrderId,
            },
          });
          break;
        case EventKind.Execution: {
          const order = this.orders.get(e.orderId)!;
          this.executions.push({
            executionId: e.tradeId * 2 + (e.isMaker ? 1 : 0), tradeId: e.tradeId, orderId: e.orderId, accountId: e.accountId,
            symbolId: e.symbolId, side: e.side, orderType: order.orderType, priceCents: e.priceCents, quantity: e.quantity,
            feeCents: e.feeCents, isMaker: e.isMaker, timeMs: e.timestampMs, eventSequence: e.eventSequence,
          });
          this.auditRow(e.orderId, {
            ...header, kind: 'execution', details: {
              tradeId: e.tradeId, priceCents: e.priceCents, quantity: e.quantity, feeCents: e.feeCents, isMaker: e.isMaker,
              remainingQuantity: e.remainingQuantity,
            },
          });
          const notional = e.priceCents * e.quantity;
          const buy = e.side === Side.Buy;
          this.effects.push([e.timestampMs, e.accountId, 0, buy ? -notional : notional, 'tradeCash']);
          this.effects.push([e.timestampMs, e.accountId, e.symbolId + 1, buy ? e.quantity : -e.quantity, buy ? 'bought' : 'sold']);
          this.effects.push([e.timestampMs, e.accountId, 0, -e.feeCents, 'fees']);
          this.effects.push([e.timestampMs, 0, 0, e.feeCents, 'fees']);
          if (e.isMaker) {
            const fees = taker!.feeCents + e.feeCents;
            this.ledgerRows += fees === 0 ? 4 : 5;
          } else {
            taker = e;
          }
          break;
        }
        case EventKind.OrderCanceled:
          this.auditRow(e.orderId, {
            ...header, kind: 'canceled', details: { priceCents: e.priceCents, canceledQuantity: e.canceledQuantity, reason: REASONS[e.reason] },
          });
          break;
        case EventKind.OrderReplaced:
          this.auditRow(e.orderId, {
            ...header, kind: 'replaced', details: {
              priceCents: e.priceCents, quantity: e.quantity, remainingQuantity: e.remainingQuantity, keptPriority: e.keptPriority,
            },
          });
          break;
        case EventKind.BalanceChanged:
          this.effects.push([e.timestampMs, e.accountId, e.asset, e.amount, e.amount > 0 ? 'deposit' : 'withdrawal']);
          this.ledgerRows += 2;
          break;
        case EventKind.AccountCreated:
          this.accounts.set(e.accountId, [e.name, 'active']);
          break;
        case EventKind.AccountStatusChanged:
          this.accounts.get(e.accountId)![1] = e.status === 0 ? 'active' : 'blocked';
          break;
        default:
          break;
      }
    }
  }

  /** Taker executions: one per trade, in trade order. */
  takers(): ExecutionRow[] {
    return this.executions.filter((e) => !e.isMaker);
  }

  candles(): Map<string, { open: number; high: number; low: number; close: number; volume: number; trades: number }> {
    const out = new Map<string, { open: number; high: number; low: number; close: number; volume: number; trades: number }>();
    for (const t of this.takers()) {
      for (const [resolution, ms] of RESOLUTION_MS) {
        const key = `${t.symbolId}/${resolution}/${Math.floor(t.timeMs / ms) * ms}`;
        const c = out.get(key);
        if (c === undefined) out.set(key, { open: t.priceCents, high: t.priceCents, low: t.priceCents, close: t.priceCents, volume: t.quantity, trades: 1 });
        else {
          c.high = Math.max(c.high, t.priceCents);
          c.low = Math.min(c.low, t.priceCents);
          c.close = t.priceCents;
          c.volume += t.quantity;
          c.trades++;
        }
      }
    }
    return out;
  }

  counts(symbolCount: number): Record<string, number> {
    return {
      accounts: this.accounts.size,
      symbols: symbolCount,
      orders: this.orders.all().length,
      order_events: this.orderEventRows,
      executions: this.executions.length,
      ledger_entries: this.ledgerRows,
      candles: this.candles().size,
      consumer_offsets: 1,
    };
  }

  /** The engine's available + held per (account, asset), and the outside world's -net deposits. */
  static balances(dump: StateDump): Array<{ accountId: number; asset: number; amount: number }> {
    const out: Array<{ accountId: number; asset: number; amount: number }> = [];
    dump.netDeposits.forEach((net, asset) => {
      if (net !== 0) out.push({ accountId: -1, asset, amount: -net });
    });
    for (const account of dump.accounts) {
      for (const b of account.balances) {
        if (b.available + b.held !== 0) out.push({ accountId: account.accountId, asset: b.asset, amount: b.available + b.held });
      }
    }
    return out.sort((a, b) => a.accountId - b.accountId || a.asset - b.asset);
  }

  statementAssets(accountId: number, startMs: number, endMs: number, assetName: (asset: number) => string): StatementAsset[] {
    const lines = new Map<number, StatementAsset>();
    const line = (asset: number): StatementAsset => {
      let l = lines.get(asset);
      if (l === undefined) {
        lines.set(asset, (l = {
          asset, assetName: assetName(asset), opening: 0, deposits: 0, withdrawals: 0, bought: 0, sold: 0, tradeCash: 0, fees: 0,
          closing: 0, balanced: true,
        }));
      }
      return l;
    };
    line(0);
    for (const [timeMs, account, asset, amount, category] of this.effects) {
      if (account !== accountId || timeMs >= endMs) continue;
      const l = line(asset);
      l.closing += amount;
      if (timeMs < startMs) l.opening += amount;
      else if (category === 'deposit') l.deposits += amount;
      else if (category === 'withdrawal') l.withdrawals += amount;
      else l[category] += amount;
    }
    return [...lines.values()].sort((a, b) => a.asset - b.asset);
  }

  dailySummary(startMs: number, endMs: number, symbols: readonly string[]): DailySymbolRow[] {
    return symbols.map((symbol, symbolId): DailySymbolRow => {
      const trades = this.takers().filter((t) => t.symbolId === symbolId && t.timeMs >= startMs && t.timeMs < endMs);
      if (trades.length === 0) {
        return { symbolId, symbol, open: null, high: null, low: null, close: null, volume: 0, notionalCents: 0, vwapCents: null, trades: 0 };
      }
      const volume = trades.reduce((s, t) => s + t.quantity, 0);
      const notionalCents = trades.reduce((s, t) => s + t.priceCents * t.quantity, 0);
      return {
        symbolId, symbol, open: trades[0].priceCents, high: Math.max(...trades.map((t) => t.priceCents)),
        low: Math.min(...trades.map((t) => t.priceCents)), close: trades[trades.length - 1].priceCents, volume, notionalCents,
        vwapCents: Math.floor((2 * notionalCents + volume) / (2 * volume)), trades: trades.length,
      };
    });
  }
}
