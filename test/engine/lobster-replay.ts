// Replays LOBSTER sample files (real Nasdaq order flow, see ../shared/external/README.md) through the engine
// and compares the engine's book with the file's book after every message.
//
// The data is never copied into the repository: it is read from ../shared/external/lobster relative to the
// repository root. Prices in the files are dollars * 10000; the engine's tick is one cent, so a price in
// cents is the file's price / 100 (checked to be integral).
//
// How each message maps to a command (maker = one account holding every resting order, taker = another
// account sending the IOCs that stand for executions, so self-trade prevention never applies):
//   1 new limit order     -> NewOrder limit GTC from the maker; it must not trade.
//   2 partial cancel      -> ReplaceOrder with quantity = current total - canceled size, same price: the
//                            order keeps its place in the queue.
//   3 deletion            -> CancelOrder.
//   4 visible execution   -> an opposite-side IOC limit at that price and size from the taker; the maker
//                            fill it causes must hit the order the file names (FIFO).
//   5 hidden execution, 7 halt -> skipped (nothing visible changes).
//
// Orders resting before the window are unknown: the book is seeded from row 0 with one synthetic order per
// level. A cancel, partial cancel or execution of an id we never saw (an order from before the window)
// reduces the synthetic order at that price instead: pre-window orders are all older than anything in the
// window, so they sit together at the front of their level exactly where the synthetic order is. The FIFO
// check for such an execution is that it hits the synthetic order of that price.
//
// Row k of the book file is the book after message k, so row 0 already includes message 0: the book is
// seeded from row 0 and messages 1..n-1 are replayed, each compared with its own row.
import fs from 'node:fs';
import path from 'node:path';
import {
  CASH_ASSET,
  CollectingSink,
  CommandKind,
  DEFAULT_ENGINE_SETTINGS,
  Engine,
  EventKind,
  OrderType,
  RejectCode,
  Side,
  TimeInForce,
} from '../../src/engine/index.ts';
import type { Command, EngineConfig, EngineEvent } from '../../src/engine/index.ts';

/** LOBSTER's filler for an unoccupied ask level (the bid side uses its negative). */
export const LOBSTER_EMPTY_PRICE = 9_999_999_999;

export const MESSAGE_NEW = 1;
export const MESSAGE_PARTIAL_CANCEL = 2;
export const MESSAGE_DELETE = 3;
export const MESSAGE_EXECUTION = 4;
export const MESSAGE_HIDDEN_EXECUTION = 5;
export const MESSAGE_HALT = 7;

export interface LobsterMessage {
  /** Message time in whole ms after midnight (the file has up to ns; truncated). */
  timeMs: number;
  type: number;
  orderId: number;
  size: number;
  /** Dollars * 10000, as in the file. */
  price: number;
  /** 1 buy limit order, -1 sell limit order (for an execution: the side of the resting order). */
  direction: number;
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface LobsterBook {
  levels: number;
  rows: number;
  /** Row-major, 4 * levels numbers a row: AskPx, AskSz, BidPx, BidSz for level 1, then level 2, ... */
  data: Float64Array;
}

export interface LobsterDataset {
  name: string;
  messageFile: string;
  bookFile: string;
}

function dataLines(text: string): string[] {
  // Skips blank lines and a header line (the AMZN files have one: "Time,Type,...").
  return text.split('\n').filter((line) => line.length > 0 && /^[-0-9]/.test(line));
}

/** Seconds after midnight as text ("34200.004241176") to integer ms, without float rounding. */
export function secondsTextToMs(text: string): number {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  const ms = Number(whole) * 1000 + Number((fraction + '000').slice(0, 3));
  if (!Number.isSafeInteger(ms)) throw new Error(`bad LOBSTER time ${text}`);
  return ms;
}

export function parseMessages(text: string): LobsterMessage[] {
  const out: LobsterMessage[] = [];
  dataLines(text).forEach((line, index) => {
    const cols = line.trim().split(',');
    if (cols.length < 6) throw new Error(`LOBSTER message line ${index + 1}: expected 6 columns, got ${line}`);
    const [time, type, orderId, size, price, direction] = cols;
    const message: LobsterMessage = {
      timeMs: secondsTextToMs(time),
      type: Number(type),
      orderId: Number(orderId),
      size: Number(size),
      price: Number(price),
      direction: Number(direction),
      line: index + 1,
    };
    for (const key of ['type', 'orderId', 'size', 'price', 'direction'] as const) {
      if (!Number.isSafeInteger(message[key])) throw new Error(`LOBSTER message line ${index + 1}: bad ${key} in ${line}`);
    }
    out.push(message);
  });
  return out;
}

export function parseBook(text: string): LobsterBook {
  const lines = dataLines(text);
  if (lines.length === 0) throw new Error('LOBSTER book file is empty');
  const width = lines[0].split(',').length;
  if (width % 4 !== 0) throw new Error(`LOBSTER book: ${width} columns is not a multiple of 4`);
  const data = new Float64Array(lines.length * width);
  lines.forEach((line, row) => {
    const cols = line.trim().split(',');
    if (cols.length !== width) throw new Error(`LOBSTER book row ${row}: ${cols.length} columns, expected ${width}`);
    for (let c = 0; c < width; c++) {
      const value = Number(cols[c]);
      if (!Number.isSafeInteger(value)) throw new Error(`LOBSTER book row ${row}: bad number ${cols[c]}`);
      data[row * width + c] = value;
    }
  });
  return { levels: width / 4, rows: lines.length, data };
}

/** The message and orderbook files of one LOBSTER sample folder, or undefined when it is absent. */
export function findDataset(root: string, name: string): LobsterDataset | undefined {
  const dir = path.join(root, name);
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir);
  const messageFile = files.find((f) => /_message_.*\.csv$/.test(f));
  const bookFile = files.find((f) => /_orderbook_.*\.csv$/.test(f));
  if (messageFile === undefined || bookFile === undefined) return undefined;
  return { name, messageFile: path.join(dir, messageFile), bookFile: path.join(dir, bookFile) };
}

export function loadDataset(dataset: LobsterDataset): { messages: LobsterMessage[]; book: LobsterBook } {
  const messages = parseMessages(fs.readFileSync(dataset.messageFile, 'utf8'));
  const book = parseBook(fs.readFileSync(dataset.bookFile, 'utf8'));
  if (messages.length !== book.rows) {
    throw new Error(`${dataset.name}: ${messages.length} messages but ${book.rows} book rows`);
  }
  return { messages, book };
}

/** LOBSTER price (dollars * 10000) to cents; throws unless integral. */
export function toCents(price: number): number {
  if (price % 100 !== 0) throw new Error(`LOBSTER price ${price} is not a whole number of cents`);
  return price / 100;
}

// ---------------------------------------------------------------- replay

export interface ReplayOptions {
  symbol: string;
  /**
   * Every this many messages (and at the end): engine.checkInvariants(), and the engine's whole book
   * (dump) against the orders we expect to rest, in queue order (see checkQueues).
   */
  invariantEvery: number;
}

export interface ReplayStats {
  dataset: string;
  levels: number;
  /** Messages replayed (rows 1..n-1; row 0 seeds the book). */
  messages: number;
  rowsCompared: number;
  rowsMatched: number;
  /** Type-4 messages sent as IOCs and how many hit the named order at the named price for the full size. */
  executions: number;
  fifoHits: number;
  /** Executions, cancels and partial cancels of ids from before the window (applied to the synthetic order). */
  preWindowEvents: number;
  /** Cancels, partial cancels or executions that could not be applied as the file says (book out of line). */
  unresolved: number;
  /** New orders (type 1) that traded: the book was crossed relative to the file. Must stay 0. */
  newOrdersTraded: number;
  /** Partial cancels that lost queue priority by the engine's own account (OrderReplaced). Must stay 0. */
  priorityLost: number;
  /** checkQueues calls that found the engine's queues other than expected. Must stay 0. */
  queueMismatches: number;
  /** Commands the engine rejected. Must stay 0. */
  rejects: number;
  /** Synthetic orders refused for their price band, and left out (see outOfBand). */
  outOfBand: number;
  /**
   * Rows where a level the file newly shows, beyond what the messages so far reported, differed from ours
   * and was brought in line with the file (not a mismatch: see compareRow).
   */
  gaps: number;
  /** Repairs (after a gap or a mismatch) after which the row still differed. Must stay 0. */
  repairFailures: number;
  skipped: number;
  firstMismatch: string | undefined;
  firstFifoMiss: string | undefined;
  firstReject: string | undefined;
  firstQueueMismatch: string | undefined;
}

interface Tracked {
  side: Side;
  priceCents: number;
  /** Total quantity, filled part included (what ReplaceOrder's quantity is measured against). */
  total: number;
  remaining: number;
  /** LOBSTER id, or -1 for a synthetic order standing for unknown orders. */
  lobsterId: number;
}

interface MakerFill {
  orderId: number;
  priceCents: number;
  quantity: number;
  /** LOBSTER id of the maker at the time of the fill (-1 synthetic, -2 not ours). */
  lobsterId: number;
  remainingAfter: number;
}

/** One of our orders as it should rest, for re-entering a level. */
interface LevelEntry {
  remaining: number;
  lobsterId: number;
}

type Depth = Array<[priceCents: number, quantity: number]>;
type DepthFn = (symbolId: number, side: Side, maxLevels: number) => Depth;

const SYMBOL_ID = 0;

function sideName(side: Side): string {
  return side === Side.Buy ? 'bid' : 'ask';
}

function formatDepth(depth: Depth): string {
  return depth.map(([p, q]) => `${p}x${q}`).join(' ') || '(empty)';
}

export function engineConfigFor(symbol: string, referencePriceCents: number): EngineConfig {
  return {
    ...DEFAULT_ENGINE_SETTINGS,
    instruments: [
      {
        symbol,
        name: `${symbol} (LOBSTER replay)`,
        tickCents: 1,
        maxOrderQuantity: 1_000_000,
        referencePriceCents,
        priceBandPercent: 50,
      },
    ],
    makerFeeBps: 0,
    takerFeeBps: 0,
    defaultMaxOpenOrders: 1_000_000,
  };
}

export class LobsterReplay {
  readonly engine: Engine;
  readonly stats: ReplayStats;
  private readonly sink = new CollectingSink();
  private readonly depthFn: DepthFn;
  private sequence = 0;
  private nowMs = 0;
  private makerId = -1;
  private takerId = -1;
  /** Resting orders of the maker, by our order id. */
  private readonly orders = new Map<number, Tracked>();
  /** LOBSTER id -> our order id (the NewOrder's command sequence). */
  private readonly byLobsterId = new Map<number, number>();
  /** Synthetic orders by price key (bids positive, asks negative), oldest first. */
  private readonly synthetic = new Map<number, number[]>();
  /**
   * Per side (index = Side), the deepest price up to which our book is known to be exact: the deepest level
   * the previous row showed (Infinity on the ask side and -Infinity on the bid side when it showed the
   * whole side). See compareRow.
   */
  private readonly frontier: [number, number] = [-Infinity, Infinity];
  /**
   * Prices (priceKey) of synthetic orders the engine refused as outside its price band: row 0 of the
   * 50-level sample shows a $2000.00 ask (a stub quote) that no band around $585 admits. The file's
   * levels at these prices are left out of every comparison.
   */
  private readonly outOfBand = new Set<number>();
  /** Maker fills of the last command. */
  private fills: MakerFill[] = [];
  private events: EngineEvent[] = [];

  constructor(
    readonly name: string,
    readonly messages: readonly LobsterMessage[],
    readonly book: LobsterBook,
    readonly options: ReplayOptions,
  ) {
    const ask0 = book.data[0];
    const bid0 = book.data[2];
    if (Math.abs(ask0) === LOBSTER_EMPTY_PRICE || Math.abs(bid0) === LOBSTER_EMPTY_PRICE) {
      throw new Error(`${name}: row 0 needs both a bid and an ask for the reference price`);
    }
    const referencePriceCents = Math.round((ask0 + bid0) / 2 / 100);
    this.engine = new Engine(engineConfigFor(options.symbol, referencePriceCents), this.sink);
    const depth = (this.engine as unknown as { depth?: DepthFn }).depth;
    this.depthFn = typeof depth === 'function' ? depth.bind(this.engine) : (symbolId, side, maxLevels) => this.depthFromDump(symbolId, side, maxLevels);
    this.stats = {
      dataset: name,
      levels: book.levels,
      messages: 0,
      rowsCompared: 0,
      rowsMatched: 0,
      executions: 0,
      fifoHits: 0,
      preWindowEvents: 0,
      unresolved: 0,
      newOrdersTraded: 0,
      priorityLost: 0,
      queueMismatches: 0,
      rejects: 0,
      outOfBand: 0,
      gaps: 0,
      repairFailures: 0,
      skipped: 0,
      firstMismatch: undefined,
      firstFifoMiss: undefined,
      firstReject: undefined,
      firstQueueMismatch: undefined,
    };
  }

  /** Sets up accounts, seeds row 0, replays every message and returns the figures. */
  run(): ReplayStats {
    this.setup();
    for (let k = 1; k < this.messages.length; k++) {
      this.step(k);
      if (k % this.options.invariantEvery === 0) {
        this.engine.checkInvariants();
        this.checkQueues(`after message line ${this.messages[k].line}`);
      }
    }
    this.engine.checkInvariants();
    this.checkQueues('at the end');
    return this.stats;
  }

  /**
   * The engine's whole book (from dump()) must be exactly the maker orders we expect to rest: each level in
   * the order they were accepted (a reduction keeps the place), with the remaining quantity the engine's
   * own events left them. Catches what depth cannot see: queue order, deeper levels, partial cancels that
   * silently go to the back.
   */
  checkQueues(where: string): void {
    const symbol = this.engine.dump().symbols[SYMBOL_ID];
    for (const side of [Side.Sell, Side.Buy]) {
      const expected: Array<[orderId: number, priceCents: number, remaining: number]> = [];
      for (const [orderId, tracked] of this.orders) {
        if (tracked.side === side) expected.push([orderId, tracked.priceCents, tracked.remaining]);
      }
      // Stable: within a price, acceptance order stays.
      expected.sort((a, b) => (side === Side.Buy ? b[1] - a[1] : a[1] - b[1]));
      const actual = (side === Side.Buy ? symbol.bids : symbol.asks).map((o): [number, number, number] => [o.orderId, o.priceCents, o.remainingQuantity]);
      const at = actual.findIndex((o, i) => expected[i] === undefined || o[0] !== expected[i][0] || o[1] !== expected[i][1] || o[2] !== expected[i][2]);
      if (at < 0 && actual.length === expected.length) continue;
      const i = at < 0 ? actual.length : at;
      this.stats.queueMismatches++;
      this.stats.firstQueueMismatch ??=
        `${where}: ${sideName(side)} queue #${i}: engine has ${JSON.stringify(actual[i] ?? null)}, ` +
        `expected ${JSON.stringify(expected[i] ?? null)} (orderId, priceCents, remaining)`;
      return;
    }
  }

  private setup(): void {
    this.nowMs = this.messages[0].timeMs;
    this.makerId = this.createAccount('maker');
    this.takerId = this.createAccount('taker');
    for (const accountId of [this.makerId, this.takerId]) {
      // Plenty for any replay: cash well under 2^53 for both accounts together, shares likewise.
      this.apply({ kind: CommandKind.Deposit, accountId, asset: CASH_ASSET, amount: 1_000_000_000_000_000, idempotencyKey: '', sequence: 0, timestampMs: 0 });
      this.apply({ kind: CommandKind.Deposit, accountId, asset: SYMBOL_ID + 1, amount: 1_000_000_000, idempotencyKey: '', sequence: 0, timestampMs: 0 });
    }
    this.apply({ kind: CommandKind.OpenSession, sequence: 0, timestampMs: 0 });
    const { levels, data } = this.book;
    for (let level = 0; level < levels; level++) {
      for (const side of [Side.Sell, Side.Buy]) {
        const at = level * 4 + (side === Side.Sell ? 0 : 2);
        const price = data[at];
        const size = data[at + 1];
        if (Math.abs(price) === LOBSTER_EMPTY_PRICE || size === 0) continue;
        this.addSynthetic(side, toCents(price), size);
      }
    }
    const { full } = this.compareRow(0);
    if (full !== undefined) throw new Error(`${this.name}: seeding row 0 did not reproduce it: ${full}`);
    this.advanceFrontier(0);
  }

  private createAccount(name: string): number {
    this.apply({ kind: CommandKind.CreateAccount, name, apiKey: '', apiSecret: '', sequence: 0, timestampMs: 0 });
    const created = this.events.find((e) => e.kind === EventKind.AccountCreated);
    if (created === undefined || created.kind !== EventKind.AccountCreated) throw new Error(`CreateAccount ${name} was refused`);
    return created.accountId;
  }

  /**
   * Stamps and applies one command, then updates what we track from its events. A rejection counts in
   * stats.rejects, except a PRICE_BAND rejection of a synthetic order (`synthetic`), counted apart.
   */
  private apply(command: Command, synthetic = false): EngineEvent[] {
    command.sequence = ++this.sequence;
    command.timestampMs = this.nowMs;
    this.engine.apply(command);
    const events = this.sink.take();
    this.events = events;
    this.fills = [];
    for (const event of events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          if (event.accountId === this.makerId && event.timeInForce === TimeInForce.GTC) {
            this.orders.set(event.orderId, { side: event.side, priceCents: event.priceCents, total: event.quantity, remaining: event.quantity, lobsterId: -1 });
          }
          break;
        case EventKind.Execution:
          if (event.isMaker) {
            const tracked = this.orders.get(event.orderId);
            this.fills.push({
              orderId: event.orderId,
              priceCents: event.priceCents,
              quantity: event.quantity,
              lobsterId: tracked === undefined ? -2 : tracked.lobsterId,
              remainingAfter: event.remainingQuantity,
            });
            if (tracked !== undefined) {
              tracked.remaining = event.remainingQuantity;
              if (tracked.remaining === 0) this.forget(event.orderId);
            }
          }
          break;
        case EventKind.OrderCanceled:
          this.forget(event.orderId);
          break;
        case EventKind.OrderReplaced: {
          const tracked = this.orders.get(event.orderId);
          if (tracked !== undefined) {
            tracked.total = event.quantity;
            tracked.remaining = event.remainingQuantity;
          }
          if (!event.keptPriority) this.stats.priorityLost++;
          break;
        }
        case EventKind.OrderRejected:
          if (synthetic && event.code === RejectCode.PriceBand && command.kind === CommandKind.NewOrder) {
            this.stats.outOfBand++;
            this.outOfBand.add(priceKey(command.side, command.priceCents));
            break;
          }
          this.stats.rejects++;
          this.stats.firstReject ??= `command ${command.sequence} (${JSON.stringify(command)}) -> ${JSON.stringify(event)}`;
          break;
        case EventKind.CommandRejected:
          this.stats.rejects++;
          this.stats.firstReject ??= `command ${command.sequence} (${JSON.stringify(command)}) -> ${JSON.stringify(event)}`;
          break;
        default:
          break;
      }
    }
    return events;
  }

  private forget(orderId: number): void {
    const tracked = this.orders.get(orderId);
    if (tracked === undefined) return;
    this.orders.delete(orderId);
    if (tracked.lobsterId >= 0) {
      if (this.byLobsterId.get(tracked.lobsterId) === orderId) this.byLobsterId.delete(tracked.lobsterId);
    } else {
      const key = priceKey(tracked.side, tracked.priceCents);
      const list = this.synthetic.get(key);
      if (list !== undefined) {
        const i = list.indexOf(orderId);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.synthetic.delete(key);
      }
    }
  }

  private newMakerOrder(side: Side, priceCents: number, quantity: number, synthetic = false): number {
    this.apply({
      kind: CommandKind.NewOrder,
      accountId: this.makerId,
      symbolId: SYMBOL_ID,
      side,
      orderType: OrderType.Limit,
      priceCents,
      quantity,
      timeInForce: TimeInForce.GTC,
      postOnly: false,
      clientOrderId: '',
      sequence: 0,
      timestampMs: 0,
    }, synthetic);
    if (this.events.some((e) => e.kind === EventKind.Execution)) this.stats.newOrdersTraded++;
    const accepted = this.events.find((e) => e.kind === EventKind.OrderAccepted);
    return accepted !== undefined && accepted.kind === EventKind.OrderAccepted ? accepted.orderId : -1;
  }

  private addSynthetic(side: Side, priceCents: number, quantity: number): void {
    const orderId = this.newMakerOrder(side, priceCents, quantity, true);
    if (orderId < 0 || !this.orders.has(orderId)) return;
    const key = priceKey(side, priceCents);
    const list = this.synthetic.get(key);
    if (list === undefined) this.synthetic.set(key, [orderId]);
    else list.push(orderId);
  }

  /** Takes `by` shares off one of our resting orders, keeping its place; cancels it when nothing is left. */
  private reduce(orderId: number, by: number): void {
    const tracked = this.orders.get(orderId)!;
    if (by >= tracked.remaining) {
      this.apply({ kind: CommandKind.CancelOrder, accountId: this.makerId, orderId, sequence: 0, timestampMs: 0 });
    } else {
      this.apply({ kind: CommandKind.ReplaceOrder, accountId: this.makerId, orderId, quantity: tracked.total - by, priceCents: tracked.priceCents, sequence: 0, timestampMs: 0 });
    }
  }

  /** Takes `size` off the synthetic orders at a price, oldest first; returns what could not be taken. */
  private reduceSynthetic(side: Side, priceCents: number, size: number): number {
    let left = size;
    const list = this.synthetic.get(priceKey(side, priceCents));
    while (left > 0 && list !== undefined && list.length > 0) {
      const orderId = list[0];
      const take = Math.min(left, this.orders.get(orderId)!.remaining);
      this.reduce(orderId, take);
      left -= take;
    }
    return left;
  }

  private step(k: number): void {
    const msg = this.messages[k];
    this.nowMs = msg.timeMs;
    this.stats.messages++;
    const side: Side = msg.direction === 1 ? Side.Buy : Side.Sell;
    switch (msg.type) {
      case MESSAGE_NEW: {
        const orderId = this.newMakerOrder(side, toCents(msg.price), msg.size);
        const tracked = this.orders.get(orderId);
        if (tracked !== undefined) {
          tracked.lobsterId = msg.orderId;
          this.byLobsterId.set(msg.orderId, orderId);
        }
        break;
      }
      case MESSAGE_PARTIAL_CANCEL:
        this.cancel(msg, side);
        // Few enough (under 500 in these files) to check every one for its queue position.
        this.checkQueues(`after partial cancel, message line ${msg.line}`);
        break;
      case MESSAGE_DELETE:
        this.cancel(msg, side);
        break;
      case MESSAGE_EXECUTION:
        this.execute(msg, side);
        break;
      default:
        // 5 (hidden execution) changes no visible level; 7 (halt) repeats the previous row.
        this.stats.skipped++;
        break;
    }
    this.stats.rowsCompared++;
    const { known, full } = this.compareRow(k);
    if (known === undefined) {
      this.stats.rowsMatched++;
    } else {
      this.stats.firstMismatch ??= `row ${k} after message line ${msg.line} (type ${msg.type} id ${msg.orderId} size ${msg.size} price ${msg.price} dir ${msg.direction}): ${known}`;
    }
    if (full !== undefined) {
      if (known === undefined) this.stats.gaps++;
      this.repair(k);
      if (this.compareRow(k).full !== undefined) this.stats.repairFailures++;
    }
    this.advanceFrontier(k);
  }

  private cancel(msg: LobsterMessage, side: Side): void {
    const priceCents = toCents(msg.price);
    const orderId = this.byLobsterId.get(msg.orderId);
    if (orderId === undefined) {
      // An order from before the window (or one that arrived while deeper than the file's levels): it is
      // part of the synthetic order at its price.
      this.stats.preWindowEvents++;
      const left = this.reduceSynthetic(side, priceCents, msg.size);
      if (left === 0) return;
      this.stats.unresolved++;
      // Not enough synthetic size there. Within the levels the previous row showed, our level had the
      // file's size, so the order is in it under another name (an order of ours that left unreported
      // while deeper than the file's levels): take the rest from the level. Deeper, it is an order we
      // never had: nothing to do.
      if (side === Side.Buy ? priceCents >= this.frontier[side] : priceCents <= this.frontier[side]) {
        this.takeFromLevel(side, priceCents, left);
      }
      return;
    }
    const tracked = this.orders.get(orderId)!;
    if (tracked.priceCents !== priceCents || tracked.side !== side) this.stats.unresolved++;
    if (msg.type === MESSAGE_DELETE) {
      if (msg.size !== tracked.remaining) this.stats.unresolved++;
      this.apply({ kind: CommandKind.CancelOrder, accountId: this.makerId, orderId, sequence: 0, timestampMs: 0 });
    } else {
      if (msg.size >= tracked.remaining) this.stats.unresolved++;
      this.reduce(orderId, msg.size);
    }
  }

  private execute(msg: LobsterMessage, side: Side): void {
    const priceCents = toCents(msg.price);
    this.stats.executions++;
    const named = this.byLobsterId.get(msg.orderId);
    if (named === undefined) this.stats.preWindowEvents++;
    this.apply({
      kind: CommandKind.NewOrder,
      accountId: this.takerId,
      symbolId: SYMBOL_ID,
      side: side === Side.Buy ? Side.Sell : Side.Buy,
      orderType: OrderType.Limit,
      priceCents,
      quantity: msg.size,
      timeInForce: TimeInForce.IOC,
      postOnly: false,
      clientOrderId: '',
      sequence: 0,
      timestampMs: 0,
    });
    let filled = 0;
    let onTarget = this.fills.length > 0;
    for (const fill of this.fills) {
      filled += fill.quantity;
      const rightOrder = named !== undefined ? fill.orderId === named : fill.lobsterId === -1;
      if (!rightOrder || fill.priceCents !== priceCents) onTarget = false;
    }
    if (onTarget && filled === msg.size) {
      this.stats.fifoHits++;
      return;
    }
    this.stats.firstFifoMiss ??=
      `message line ${msg.line}: execution of ${msg.size} @ ${priceCents} on LOBSTER id ${msg.orderId} ` +
      `(ours ${named ?? 'pre-window'}) filled ${JSON.stringify(this.fills)}`;
    if (filled !== msg.size || this.fills.some((f) => f.priceCents !== priceCents || f.lobsterId === -2)) {
      this.stats.unresolved++;
      return;
    }
    // The data is not FIFO here (it happens: the hour set has a few executions of an order while an older
    // one at the same price waits), or the order is not where we had it. The miss is counted; then the
    // level is put the way the file has it, so later messages about these orders still apply: the level
    // as it was before the IOC (the makers it emptied were at its front, in fill order), minus the
    // execution taken from the order the file names (from the synthetic orders for a pre-window id).
    const before: LevelEntry[] = [];
    for (const fill of this.fills) {
      if (fill.remainingAfter === 0) before.push({ remaining: fill.quantity, lobsterId: fill.lobsterId });
    }
    const last = this.fills[this.fills.length - 1];
    for (const orderId of this.ordersAt(side, priceCents)) {
      const tracked = this.orders.get(orderId)!;
      const remaining = orderId === last.orderId ? tracked.remaining + last.quantity : tracked.remaining;
      before.push({ remaining, lobsterId: tracked.lobsterId });
    }
    let left = msg.size;
    for (const entry of before) {
      if (left > 0 && (named !== undefined ? entry.lobsterId === msg.orderId : entry.lobsterId === -1)) {
        const take = Math.min(left, entry.remaining);
        entry.remaining -= take;
        left -= take;
      }
    }
    if (left > 0) {
      this.stats.unresolved++;
      return;
    }
    this.rebuildLevel(side, priceCents, before);
  }

  // ------------------------------------------------------------ comparison

  /**
   * The file's levels of one side in row k, [priceCents, size] best first, leaving out prices the engine
   * refused as outside its price band; and `edge`, the deepest price the row shows (Infinity for asks,
   * -Infinity for bids when the row shows the whole side: fewer levels than the file has).
   */
  private fileSide(k: number, side: Side): { levels: Depth; edge: number } {
    const { levels, data } = this.book;
    const base = k * levels * 4 + (side === Side.Sell ? 0 : 2);
    const out: Depth = [];
    let edge = 0;
    for (let i = 0; i < levels; i++) {
      const price = data[base + i * 4];
      const size = data[base + i * 4 + 1];
      if (Math.abs(price) === LOBSTER_EMPTY_PRICE) return { levels: out, edge: side === Side.Buy ? -Infinity : Infinity };
      edge = toCents(price);
      if (!this.outOfBand.has(priceKey(side, edge))) out.push([edge, size]);
    }
    return { levels: out, edge };
  }

  /**
   * Compares our book with row k. `full` describes the first difference within every level the row shows
   * (undefined when none). `known` is the same comparison restricted to the prices the messages have told
   * us everything about; it is what counts as a match.
   *
   * Why a restriction: a LOBSTER message file only reports events within its N levels. An order that
   * arrives, or is canceled, while deeper than level N leaves no message, so when the book later shifts
   * and such a level comes into the top N, the file shows something no message explained. Likewise row 0
   * seeds only the levels it shows. So after row k-1 (compared, and repaired where it differed) our book is
   * known exactly up to row k-1's deepest level (the whole side when the row showed fewer levels than the
   * file has), and message k, reported or not, leaves that so. Row k is compared up to the shallower of
   * that frontier and row k's own deepest level; levels the row shows beyond the frontier are brought in
   * line with the file (repair) and counted as gaps when they differed, not as mismatches. (The hour set
   * has 50-level messages but a level-1 book: the frontier, taken from the book, is then narrower than
   * what the messages report, which only makes the comparison more cautious; its gaps show how rarely the
   * deeper book we built from the messages differed from the file once it came to the top.)
   *
   * With a 10- or 50-level book, rows whose levels are all compared are most rows; in the two small
   * samples a comparison of every level shown, frontier or not, fails from the first level that changed
   * unreported below level N (row 12 of the 10-level sample: an ask at 587.65 canceled while 11th).
   */
  compareRow(k: number): { known: string | undefined; full: string | undefined } {
    let known: string | undefined;
    let full: string | undefined;
    for (const side of [Side.Sell, Side.Buy]) {
      // depth() returns at most as many levels as the file has; ours beyond the row's edge (when the row
      // shows all the levels it can) cannot be compared. Within the edge they must be the same levels:
      // when the row shows the whole side, ours must end where it ends.
      const { levels: file, edge: rowEdge } = this.fileSide(k, side);
      const ours = this.depthFn(SYMBOL_ID, side, this.book.levels);
      const upTo = (edge: number) => (level: [number, number]): boolean => (side === Side.Buy ? level[0] >= edge : level[0] <= edge);
      const ourShown = ours.filter(upTo(rowEdge));
      if (full === undefined && !sameDepth(ourShown, file)) {
        full = `${sideName(side)}s: ours ${formatDepth(ourShown)} | file ${formatDepth(file)}`;
      }
      const edge = side === Side.Buy ? Math.max(rowEdge, this.frontier[side]) : Math.min(rowEdge, this.frontier[side]);
      const ourKnown = ours.filter(upTo(edge));
      const fileKnown = file.filter(upTo(edge));
      if (known === undefined && !sameDepth(ourKnown, fileKnown)) {
        known = `${sideName(side)}s up to ${edge}: ours ${formatDepth(ourKnown)} | file ${formatDepth(fileKnown)}`;
      }
    }
    return { known, full };
  }

  private advanceFrontier(k: number): void {
    for (const side of [Side.Sell, Side.Buy]) this.frontier[side] = this.fileSide(k, side).edge;
  }

  /**
   * Brings our book in line with row k within the levels it shows: cancels levels the row no longer shows,
   * takes off size the row does not show (synthetic orders first, then the newest), and adds size the row
   * shows and we lack as a synthetic order at the front of its level (the orders already there are
   * re-entered behind it). The front, because what we lack is mostly orders from before the window,
   * older than any order we know; the new synthetic order absorbs the other synthetic orders of its level.
   */
  private repair(k: number): void {
    const additions: Array<[Side, number, number]> = [];
    // First every removal and reduction on both sides, then the additions, so no addition can cross a
    // level that is about to go.
    for (const side of [Side.Sell, Side.Buy]) {
      const { levels: file, edge } = this.fileSide(k, side);
      const ourLevels = new Map<number, number>();
      for (const tracked of this.orders.values()) {
        if (tracked.side === side) ourLevels.set(tracked.priceCents, (ourLevels.get(tracked.priceCents) ?? 0) + tracked.remaining);
      }
      const fileSize = new Map(file);
      for (const [priceCents, ours] of ourLevels) {
        // Deeper than the row's last level when it shows all of its levels: unknown, left alone.
        if (side === Side.Buy ? priceCents < edge : priceCents > edge) continue;
        const excess = ours - (fileSize.get(priceCents) ?? 0);
        if (excess > 0) this.takeFromLevel(side, priceCents, excess);
      }
      for (const [priceCents, size] of file) {
        const ours = ourLevels.get(priceCents) ?? 0;
        if (size > ours) additions.push([side, priceCents, size - ours]);
      }
    }
    for (const [side, priceCents, quantity] of additions) this.addSyntheticAtFront(side, priceCents, quantity);
  }

  /** Our resting orders at a price, in queue order (acceptance order; a reduction keeps the place). */
  private ordersAt(side: Side, priceCents: number): number[] {
    const out: number[] = [];
    for (const [orderId, tracked] of this.orders) {
      if (tracked.side === side && tracked.priceCents === priceCents) out.push(orderId);
    }
    return out;
  }

  /**
   * Takes `size` off a level: synthetic orders first, then (a guess: which of our orders there left
   * unreported is unknown) the newest order of exactly the size left if there is one, else the newest
   * orders. Returns what was not there.
   */
  private takeFromLevel(side: Side, priceCents: number, size: number): number {
    let left = this.reduceSynthetic(side, priceCents, size);
    const ids = this.ordersAt(side, priceCents);
    for (let i = ids.length - 1; left > 0 && i >= 0; i--) {
      if (this.orders.get(ids[i])!.remaining === left) {
        this.reduce(ids[i], left);
        return 0;
      }
    }
    for (let i = ids.length - 1; left > 0 && i >= 0; i--) {
      const take = Math.min(left, this.orders.get(ids[i])!.remaining);
      this.reduce(ids[i], take);
      left -= take;
    }
    return left;
  }

  private addSyntheticAtFront(side: Side, priceCents: number, quantity: number): void {
    const entries: LevelEntry[] = [{ remaining: quantity, lobsterId: -1 }];
    for (const orderId of this.ordersAt(side, priceCents)) {
      const tracked = this.orders.get(orderId)!;
      if (tracked.lobsterId < 0) entries[0].remaining += tracked.remaining;
      else entries.push({ remaining: tracked.remaining, lobsterId: tracked.lobsterId });
    }
    this.rebuildLevel(side, priceCents, entries);
  }

  /** Cancels every order of ours at a price and enters `entries` there instead, in that order. */
  private rebuildLevel(side: Side, priceCents: number, entries: readonly LevelEntry[]): void {
    for (const orderId of this.ordersAt(side, priceCents)) {
      this.apply({ kind: CommandKind.CancelOrder, accountId: this.makerId, orderId, sequence: 0, timestampMs: 0 });
    }
    for (const { remaining, lobsterId } of entries) {
      if (remaining === 0) continue;
      if (lobsterId < 0) {
        this.addSynthetic(side, priceCents, remaining);
        continue;
      }
      const orderId = this.newMakerOrder(side, priceCents, remaining);
      const tracked = this.orders.get(orderId);
      if (tracked === undefined) continue;
      tracked.lobsterId = lobsterId;
      this.byLobsterId.set(lobsterId, orderId);
    }
  }

  private depthFromDump(symbolId: number, side: Side, maxLevels: number): Depth {
    const symbol = this.engine.dump().symbols[symbolId];
    const out: Depth = [];
    for (const order of side === Side.Buy ? symbol.bids : symbol.asks) {
      const top = out[out.length - 1];
      if (top !== undefined && top[0] === order.priceCents) top[1] += order.remainingQuantity;
      else if (out.length === maxLevels) break;
      else out.push([order.priceCents, order.remainingQuantity]);
    }
    return out;
  }
}

function sameDepth(a: Depth, b: Depth): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  }
  return true;
}

function priceKey(side: Side, priceCents: number): number {
  return side === Side.Buy ? priceCents : -priceCents;
}

export function formatStats(stats: ReplayStats): string {
  const pct = stats.rowsCompared === 0 ? 100 : (100 * stats.rowsMatched) / stats.rowsCompared;
  return (
    `lobster ${stats.dataset} messages=${stats.messages} book_match=${pct.toFixed(2)}% ` +
    `fifo_hits=${stats.fifoHits}/${stats.executions}` +
    ` (levels=${stats.levels} gaps=${stats.gaps} pre_window=${stats.preWindowEvents} unresolved=${stats.unresolved}` +
    ` out_of_band=${stats.outOfBand})`
  );
}
