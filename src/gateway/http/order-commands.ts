// Order entry shared by every gateway that takes orders (the REST routes, the WebSocket): the new-order,
// cancel and replace commands built from validated fields, and what a released command means for the
// client (the order, or the API error). One place, so the checks, codes and messages are the same
// whichever way an order arrives.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CommandKind, type EngineEvent, EventKind, OrderType, type RejectCode, RejectCode as Code } from '../../engine/index.ts';
import type { NodeApi } from '../../node/index.ts';
import type { Metrics } from '../../ops/index.ts';
import type { Released, UnstampedCommand } from '../../sequencer/index.ts';
import { isOpen, type OrderRecord, statusOf } from '../../views/index.ts';
import { ApiError, apiErrorFromReject, invalidArgument, parsePriceCents } from '../common/index.ts';
import { orderTypeOf, sideOf, timeInForceOf } from './presenters.ts';
import type { SymbolTable } from './symbols.ts';

/** POST /v1/order's body once its schema (schemas.newOrderBody) has passed and filled in the defaults. */
export interface NewOrderBody {
  symbol: string;
  side: 'buy' | 'sell';
  orderType: 'limit' | 'market';
  price?: string;
  quantity: number;
  timeInForce: 'GTC' | 'DAY' | 'IOC' | 'FOK';
  clientOrderId?: string;
  postOnly: boolean;
}

/** PUT /v1/order/{id}'s body once schemas.replaceBody has passed. */
export interface ReplaceBody {
  quantity?: number;
  price?: string;
}

export type AmendType = 'cancel' | 'replace';

/** An Ajv set up as the REST app sets it up for bodies: JSON types as they are, defaults filled in. */
export function newBodyAjv(): Ajv {
  return new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
}

/** A body that failed its schema, worded as the REST gateway words it: "body.quantity must be >= 1". */
export function schemaError(validate: ValidateFunction, where: string): ApiError {
  const first: ErrorObject | undefined = validate.errors?.[0];
  if (!first) return invalidArgument(`${where} is invalid`);
  return validationFailure(first, where);
}

/** One schema failure as INVALID_ARGUMENT naming the field: "body.quantity must be >= 1" (REST and WebSocket). */
export function validationFailure(first: { instancePath?: string; params: unknown; message?: string }, where: string): ApiError {
  const params = first.params as Record<string, unknown>;
  const field = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') ||
    String(params.missingProperty ?? params.additionalProperty ?? '');
  const what = params.additionalProperty ? 'is not a known field' : first.message ?? 'is invalid';
  return invalidArgument(`${where}${field ? '.' + field : ''} ${what}`);
}

/** The new-order command for a validated body: 422 UNKNOWN_SYMBOL, or 400 for a price that does not fit. */
export function newOrderCommand(body: NewOrderBody, accountId: number, symbols: SymbolTable): UnstampedCommand {
  const symbolId = symbols.id(body.symbol);
  const orderType = orderTypeOf(body.orderType);
  let priceCents = 0;
  if (orderType === OrderType.Limit) {
    if (body.price === undefined) throw invalidArgument('price is required for a limit order');
    priceCents = parsePriceCents(body.price, 'price');
    const tickCents = symbols.instruments[symbolId].tickCents;
    if (priceCents % tickCents !== 0) {
      throw invalidArgument(`price must be a multiple of the tick size ${(tickCents / 100).toFixed(2)} for ${body.symbol}`);
    }
  } else if (body.price !== undefined) {
    throw invalidArgument('price is for limit orders only; a market order has none');
  }
  return {
    kind: CommandKind.NewOrder, accountId, symbolId, side: sideOf(body.side), orderType, priceCents,
    quantity: body.quantity, timeInForce: timeInForceOf(body.timeInForce), postOnly: body.postOnly,
    clientOrderId: body.clientOrderId ?? '',
  };
}

/** The account's order, or 404 (another account's order is as unknown as a missing one). */
export function ownOrder(node: NodeApi, accountId: number, idText: string): OrderRecord {
  const order = node.orders.get(Number(idText));
  if (!order || order.accountId !== accountId) throw new ApiError('NOT_FOUND', `no order ${idText} for this account`);
  return order;
}

/** The account's order if it is still open: 404 NOT_FOUND, or 409 ORDER_NOT_OPEN. */
export function openOwnOrder(node: NodeApi, accountId: number, idText: string): OrderRecord {
  const order = ownOrder(node, accountId, idText);
  if (!isOpen(order)) throw notOpen(order);
  return order;
}

function notOpen(order: OrderRecord): ApiError {
  return new ApiError('ORDER_NOT_OPEN', `order ${order.orderId} is no longer open (status ${statusOf(order)})`);
}

export function cancelCommand(order: OrderRecord): UnstampedCommand {
  return { kind: CommandKind.CancelOrder, accountId: order.accountId, orderId: order.orderId };
}

/** The replace command for a validated body: 400 for a price off the tick or a quantity not above the filled part. */
export function replaceCommand(order: OrderRecord, body: ReplaceBody, symbols: SymbolTable): UnstampedCommand {
  const priceCents = body.price === undefined ? 0 : parsePriceCents(body.price, 'price');
  const tickCents = symbols.instruments[order.symbolId].tickCents;
  // Worded as the engine thread words its refusal of the same replace from a gateway thread (binary/answers.ts).
  if (priceCents !== 0 && priceCents % tickCents !== 0) throw invalidArgument(`price must be a multiple of the tick size ${(tickCents / 100).toFixed(2)}`);
  if (body.quantity !== undefined && body.quantity <= order.filledQuantity) {
    throw invalidArgument(`quantity must exceed the filled quantity ${order.filledQuantity} (it is the new total)`);
  }
  return { kind: CommandKind.ReplaceOrder, accountId: order.accountId, orderId: order.orderId, quantity: body.quantity ?? 0, priceCents };
}

function rejection(events: EngineEvent[]): RejectCode | 0 {
  for (const event of events) {
    if (event.kind === EventKind.OrderRejected || event.kind === EventKind.CommandRejected) return event.code;
  }
  return 0;
}

/** A released new order (counted in the metrics): the order it placed, or found by its clientOrderId; throws the rejection. */
export function newOrderOutcome(node: NodeApi, metrics: Metrics, released: Released): OrderRecord {
  const code = rejection(released.events);
  metrics.commands.inc({ type: 'new_order', result: code === 0 ? 'accepted' : 'rejected' });
  if (code !== 0) throw apiErrorFromReject(code);
  const first = released.events[0];
  const orderId = first.kind === EventKind.OrderAccepted || first.kind === EventKind.DuplicateOrder ? first.orderId : 0;
  return node.orders.get(orderId)!;
}

/** A repeated clientOrderId: the answer is the first order (REST: 200 instead of 201). */
export function isDuplicate(released: Released): boolean {
  return released.events[0].kind === EventKind.DuplicateOrder;
}

/**
 * A released cancel or replace of `order` (counted in the metrics): the order as it is now (a new record:
 * the one read before the command does not change), or the rejection, thrown.
 */
export function amendOutcome(node: NodeApi, metrics: Metrics, type: AmendType, released: Released, order: OrderRecord): OrderRecord {
  const code = rejection(released.events);
  metrics.commands.inc({ type, result: code === 0 ? 'accepted' : 'rejected' });
  // The core keeps open orders only: NOT_FOUND from it means the order closed in the meantime.
  if (code === Code.NotFound) throw notOpen(node.orders.get(order.orderId) ?? order);
  if (code !== 0) throw apiErrorFromReject(code);
  return node.orders.get(order.orderId)!;
}
