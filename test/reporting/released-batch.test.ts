import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandKind, EventKind, OrderType, Side, TimeInForce } from '../../src/engine/index.ts';
import { decodeReleasedBatch, encodeReleasedBatch } from '../../src/reporting/released-batch.ts';
import type { Released } from '../../src/sequencer/index.ts';

const command = {
  kind: CommandKind.NewOrder, sequence: 7, timestampMs: 1_795_000_000_000, accountId: 3, symbolId: 2, side: Side.Sell,
  orderType: OrderType.Limit, priceCents: 18_950, quantity: 100, timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: 'c-1',
} as const;
const events = [{
  kind: EventKind.OrderAccepted, eventSequence: 11, commandSequence: 7, timestampMs: command.timestampMs, orderId: 7, accountId: 3, symbolId: 2,
  side: Side.Sell, orderType: OrderType.Limit, priceCents: 18_950, quantity: 100, timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: 'c-1',
}] as const;

describe('released batches for the reporting worker', () => {
  it('round-trip commands, events and balances', () => {
    const first: Released = { command: { ...command }, events: events.map((e) => ({ ...e })), balances: Float64Array.of(3, 0, 5_000, 1_895_000, 3, 3, 0, 0), balanceCount: 2 };
    const second: Released = { command: { ...command, sequence: 8, clientOrderId: '' }, events: [], balances: new Float64Array(0), balanceCount: 0 };
    assert.deepEqual(decodeReleasedBatch(encodeReleasedBatch([first, second])), [first, second]);
  });

  it('an empty batch', () => {
    assert.deepEqual(decodeReleasedBatch(encodeReleasedBatch([])), []);
  });
});
