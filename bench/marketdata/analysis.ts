// From the raw stamps to the arrays the subscribers need to compute their delays.
//
// Release estimate. The server puts no time in its messages, so a command's release (the moment the
// sequencer hands its events out, once the journal batch holding it is durable) is estimated as the
// EARLIEST moment anyone outside the server saw a consequence of it:
//   - the probe's receipt of its book.L2, book.L3 or trades updates (the probe is the first subscriber of
//     each channel, so the server writes to it before anyone else),
//   - any subscriber's receipt of its book.L2 or trades update,
//   - the order-flow process's receipt of the HTTP answer to the command, when the command is known.
// Each of these happens after the release, so the estimate is never early: the delays measured from it are
// never longer than the true ones. It is late by one loopback hop and the probe's own reaction time
// (tens of microseconds when the probe's process is scheduled promptly), and, when one journal batch
// releases several commands at once, by the time the server spent publishing the earlier commands of the
// batch before it started on this one (that wait shows up in the end-to-end figure instead).
//
// Which command caused a book version: the book.L3 update of that version lists the orders that changed.
// A passive add shows its own new order id (first appearance); a cancel shows the canceled order id with
// quantity 0, and the order-flow process knows both ids and their send times from its requests and
// answers. Crossing IOC orders only show the resting orders they hit, so they stay uncorrelated (they get a
// release estimate from the updates alone, but no send time).
import { type FlowRecords, KIND_CODE } from './protocol.ts';
import type { Probe } from './probe.ts';

export interface Analysis {
  l2Release: Float64Array;
  tradesRelease: Float64Array;
  l2Send: Float64Array;
  /** Book versions (= book.L2 updates) and trades updates released inside the window. */
  l2InWindow: number;
  tradesInWindow: number;
  /** Book versions in the window whose command is known (adds, cancels). */
  correlated: number;
  correlatedByKind: { passive: number; cancel: number };
  /** Where each in-window release estimate came from. */
  releaseSource: { probe: number; subscriber: number; httpAnswer: number };
  /** us from the release estimate to the HTTP answer at the order-flow process, correlated commands. */
  answerAfterRelease: number[];
}

function get(array: ArrayLike<number>, index: number): number {
  return index >= 0 && index < array.length ? array[index] : NaN;
}

/** The smaller of two stamps, NaN meaning "not seen". */
function earliestOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

export function analyze(
  probe: Probe,
  flow: FlowRecords,
  subsL2: Float64Array,
  subsTrades: Float64Array,
  windowStartUs: number,
  windowEndUs: number,
): Analysis {
  const adds = new Map<number, number>();
  const cancels = new Map<number, number>();
  for (let i = 0; i < flow.count; i++) {
    if (flow.kind[i] === KIND_CODE.passive) adds.set(flow.orderId[i], i);
    else if (flow.kind[i] === KIND_CODE.cancel) cancels.set(flow.orderId[i], i);
  }
  const l2Count = Math.max(probe.l2At.length, probe.l3.length, subsL2.length);
  const tradesCount = Math.max(probe.tradesAt.length, subsTrades.length);

  // Command of each book version.
  const command = new Int32Array(l2Count).fill(-1);
  const placed = new Set<number>();
  for (let n = 0; n < l2Count; n++) {
    const orders = probe.l3[n] ?? [];
    for (const [orderId, quantity] of orders) {
      const cancel = quantity === 0 ? cancels.get(orderId) : undefined;
      if (cancel !== undefined) {
        command[n] = cancel;
        break;
      }
      const add = adds.get(orderId);
      if (add !== undefined && !placed.has(orderId)) {
        placed.add(orderId);
        command[n] = add;
        break;
      }
    }
    // Later appearances of an order placed here are fills or cancels, not its add.
    for (const [orderId] of orders) placed.add(orderId);
  }

  // Earliest sighting per book version: book.L2 (probe, subscribers), and its trades.
  const release = new Float64Array(l2Count).fill(NaN);
  const source = new Uint8Array(l2Count); // 0 probe, 1 subscriber, 2 HTTP answer
  const consider = (n: number, us: number, from: number): void => {
    if (Number.isNaN(us)) return;
    if (!(release[n] <= us)) {
      release[n] = us;
      source[n] = from;
    }
  };
  for (let n = 0; n < l2Count; n++) {
    consider(n, get(probe.l2At, n), 0);
    consider(n, get(subsL2, n), 1);
    if (command[n] >= 0) consider(n, flow.answeredUs[command[n]], 2);
  }
  const tradesRelease = new Float64Array(tradesCount).fill(NaN);
  for (let t = 0; t < tradesCount; t++) {
    const n = get(probe.tradesBook, t);
    if (n >= 0 && n < l2Count) {
      consider(n, get(probe.tradesAt, t), 0);
      consider(n, get(subsTrades, t), 1);
    }
  }

  const inWindow = (us: number): boolean => us >= windowStartUs && us < windowEndUs;
  const l2Release = new Float64Array(l2Count).fill(NaN);
  const l2Send = new Float64Array(l2Count).fill(NaN);
  const result: Analysis = {
    l2Release, tradesRelease, l2Send, l2InWindow: 0, tradesInWindow: 0, correlated: 0,
    correlatedByKind: { passive: 0, cancel: 0 }, releaseSource: { probe: 0, subscriber: 0, httpAnswer: 0 }, answerAfterRelease: [],
  };
  for (let n = 0; n < l2Count; n++) {
    if (!inWindow(release[n])) continue;
    l2Release[n] = release[n];
    result.l2InWindow++;
    result.releaseSource[(['probe', 'subscriber', 'httpAnswer'] as const)[source[n]]]++;
    const c = command[n];
    if (c >= 0) {
      l2Send[n] = flow.sentUs[c];
      result.correlated++;
      result.correlatedByKind[flow.kind[c] === KIND_CODE.cancel ? 'cancel' : 'passive']++;
      result.answerAfterRelease.push(flow.answeredUs[c] - release[n]);
    }
  }
  for (let t = 0; t < tradesCount; t++) {
    const n = get(probe.tradesBook, t);
    // A trades update the probe could not place (it missed it) falls back on its own sightings.
    const us = n >= 0 && n < l2Count ? release[n] : earliestOf(get(probe.tradesAt, t), get(subsTrades, t));
    if (!inWindow(us)) continue;
    tradesRelease[t] = us;
    result.tradesInWindow++;
  }
  return result;
}
