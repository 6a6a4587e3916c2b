// Demo mode: a few funded accounts and a market-making bot that quotes around a random walk in a handful
// of symbols and sometimes crosses the spread, so the book, the tape and the candles move.
import { CommandKind, OrderType, Side, TimeInForce } from '../engine/index.ts';
import type { NodeApi } from '../node/index.ts';

const DEMO_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'TSLA'];

export interface DemoBot {
  stop(): void;
}

export async function startDemo(node: NodeApi, log: (message: string) => void, intervalMs = 200): Promise<DemoBot> {
  const instruments = node.config.instruments;
  const symbolIds = DEMO_SYMBOLS.map((symbol) => instruments.findIndex((i) => i.symbol === symbol)).filter((id) => id >= 0);
  const accounts: number[] = [];
  for (const name of ['demo-maker-1', 'demo-maker-2', 'demo-taker']) {
    const released = await node.submit({ kind: CommandKind.CreateAccount, name, apiKey: '', apiSecret: '' });
    const created = released.events.find((e) => e.kind === 7);
    if (!created || created.kind !== 7) throw new Error('demo: could not create accounts');
    accounts.push(created.accountId);
    await node.submit({ kind: CommandKind.Deposit, accountId: created.accountId, asset: 0, amount: 10_000_000_000, idempotencyKey: `demo-cash-${name}` });
    for (const symbolId of symbolIds) {
      await node.submit({ kind: CommandKind.Deposit, accountId: created.accountId, asset: symbolId + 1, amount: 1_000_000, idempotencyKey: `demo-shares-${name}-${symbolId}` });
    }
  }
  const mid = new Map(symbolIds.map((id) => [id, instruments[id].referencePriceCents]));
  const resting = new Map<number, number[]>(accounts.map((account) => [account, []]));
  log(`demo: ${accounts.length} accounts funded; quoting ${DEMO_SYMBOLS.join(', ')} every ${intervalMs} ms`);

  const tick = async (): Promise<void> => {
    for (const symbolId of symbolIds) {
      const tickCents = instruments[symbolId].tickCents;
      const walk = Math.round((Math.random() - 0.5) * 6) * tickCents;
      const center = Math.max(tickCents * 100, mid.get(symbolId)! + walk);
      mid.set(symbolId, center);
      const maker = accounts[Math.floor(Math.random() * 2)];
      const ids = resting.get(maker)!;
      while (ids.length > 40) {
        const orderId = ids.shift()!;
        if (node.orders.get(orderId) && node.orders.get(orderId)!.filledQuantity < node.orders.get(orderId)!.quantity) {
          await node.submit({ kind: CommandKind.CancelOrder, accountId: maker, orderId });
        }
      }
      for (const side of [Side.Buy, Side.Sell]) {
        const offset = (1 + Math.floor(Math.random() * 5)) * tickCents;
        const priceCents = side === Side.Buy ? center - offset : center + offset;
        const released = await node.submit({
          kind: CommandKind.NewOrder, accountId: maker, symbolId, side, orderType: OrderType.Limit, priceCents,
          quantity: 10 * (1 + Math.floor(Math.random() * 10)), timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: '',
        });
        if (released.events[0]?.kind === 1) ids.push(released.events[0].orderId);
      }
      if (Math.random() < 0.3) {
        await node.submit({
          kind: CommandKind.NewOrder, accountId: accounts[2], symbolId, side: Math.random() < 0.5 ? Side.Buy : Side.Sell,
          orderType: OrderType.Market, priceCents: 0, quantity: 5 * (1 + Math.floor(Math.random() * 6)),
          timeInForce: TimeInForce.IOC, postOnly: false, clientOrderId: '',
        });
      }
    }
  };
  let running = true;
  let busy = false;
  const timer = setInterval(() => {
    if (!running || busy || !node.ready) return;
    busy = true;
    tick().catch((error) => log(`demo: ${String(error)}`)).finally(() => (busy = false));
  }, intervalMs);
  return { stop: () => { running = false; clearInterval(timer); } };
}
