// Random trading through a node's API, shared by the node tests: accounts with cash and shares, then
// limit orders around each symbol's reference price, market orders, cancels and replaces, in concurrent bursts.
import { CommandKind, type EngineEvent, EventKind, OrderType, Side, TimeInForce } from '../../src/engine/index.ts';
import type { NodeApi } from '../../src/node/index.ts';
import { splitmix32 } from '../../src/ops/index.ts';
import type { UnstampedCommand } from '../../src/sequencer/index.ts';

export const ACCOUNTS = 4;
export const SYMBOLS = 3;

/** Random trading: limit orders around each symbol's reference price, market orders, cancels and replaces, submitted in concurrent bursts. */
export async function trade(node: NodeApi, seed: number, commands: number): Promise<void> {
  const random = splitmix32(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const accountIds: number[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const created = await node.submit({ kind: CommandKind.CreateAccount, name: `t${seed}-${i}`, apiKey: `key-${seed}-${i}`, apiSecret: 'secret' });
    const event = created.events.find((e) => e.kind === EventKind.AccountCreated) as Extract<EngineEvent, { kind: typeof EventKind.AccountCreated }>;
    accountIds.push(event.accountId);
    await node.submit({ kind: CommandKind.Deposit, accountId: event.accountId, asset: 0, amount: 1_000_000_000, idempotencyKey: '' });
    for (let s = 0; s < SYMBOLS; s++) await node.submit({ kind: CommandKind.Deposit, accountId: event.accountId, asset: s + 1, amount: 100_000, idempotencyKey: '' });
  }
  const open: Array<{ orderId: number; accountId: number }> = [];
  let sent = 0;
  while (sent < commands) {
    const burst: Array<Promise<unknown>> = [];
    for (let b = 1 + pick(20); b > 0 && sent < commands; b--, sent++) {
      const accountId = accountIds[pick(ACCOUNTS)];
      const symbolId = pick(SYMBOLS);
      const reference = node.config.instruments[symbolId].referencePriceCents;
      const roll = random();
      let command: UnstampedCommand;
      if (roll < 0.15 && open.length > 0) {
        const target = open.splice(pick(open.length), 1)[0];
        command = { kind: CommandKind.CancelOrder, accountId: target.accountId, orderId: target.orderId };
      } else if (roll < 0.25 && open.length > 0) {
        const target = open[pick(open.length)];
        command = { kind: CommandKind.ReplaceOrder, accountId: target.accountId, orderId: target.orderId, quantity: 1 + pick(40), priceCents: reference - 50 + pick(100) };
      } else {
        const market = roll > 0.95;
        command = {
          kind: CommandKind.NewOrder, accountId, symbolId, side: pick(2) === 0 ? Side.Buy : Side.Sell,
          orderType: market ? OrderType.Market : OrderType.Limit, priceCents: market ? 0 : reference - 50 + pick(100), quantity: 1 + pick(30),
          timeInForce: market || roll > 0.85 ? TimeInForce.IOC : TimeInForce.GTC, postOnly: false, clientOrderId: `c${sent}`,
        };
      }
      burst.push(node.submit(command).then((released) => {
        for (const event of released.events) {
          if (event.kind === EventKind.OrderAccepted) open.push({ orderId: event.orderId, accountId: released.command.kind === CommandKind.NewOrder ? released.command.accountId : 0 });
        }
      }));
    }
    await Promise.all(burst);
  }
}

