// Real Nasdaq order flow (LOBSTER samples, AAPL and AMZN on 2012-06-21) replayed through the engine, the
// book compared with the file's book after every message. See lobster-replay.ts for how messages map to
// commands and what "the levels the file knows" means, and ../shared/external/README.md for the data.
//
// The samples are test input only and never copied into the repository: they are read from
// ../shared/external/lobster next to the repository, and each dataset is skipped when absent.
//
// Figures (they depend only on the data and on price-time priority, so a correct engine reproduces them
// exactly; about 2 s for all four):
//   aapl-L10-first999               998 messages   book 100%     FIFO 98/98
//   aapl-L50-first672               671 messages   book 100%     FIFO 56/56
//   aapl-L50msgs-L1book-first-hour  91996 messages book 100%     FIFO 4043/4067 (99.41%)
//   amzn-L1-full-day                57514 messages book 99.95%   FIFO 7729/8974 (86.13%)
// (messages = rows after row 0, which seeds the book.) The hour set's 24 misses are the data's own: e.g.
// line 2411 executes order 19300157 while the older 19300155 waits at the same price (the README: "99.4%
// in the hour set"); its book file has one level, so pre-window orders below it are unknown and the 71
// "unresolved" cancels of such orders have nothing to apply to, which is as it should be. The AMZN set has
// level-1 messages only, so whatever happens below the best price is not reported: which of our orders a
// level revealed by the file consists of, and in what order, is a guess (lobster-replay.ts: repair). Its
// misses are executions the file attributes to an order that is not first in our queue of that level (96%
// of the executions of orders we saw arrive hit, 68% of those of orders we never saw), and its 30
// mismatching rows follow such wrong guesses. The thresholds below sit just under these figures.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findDataset, formatStats, loadDataset, LobsterReplay } from './lobster-replay.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOBSTER_ROOT = path.resolve(repoRoot, '../shared/external/lobster');

interface Case {
  dataset: string;
  symbol: string;
  /** Least share of rows (percent) whose known levels must equal ours. */
  minBookMatchPct: number;
  /** Least share of executions (percent) that must hit the order the file names. */
  minFifoPct: number;
  /** Every cancel and execution applies exactly as the file says (nothing unresolved). */
  exact: boolean;
}

const CASES: Case[] = [
  { dataset: 'aapl-L10-first999', symbol: 'AAPL', minBookMatchPct: 100, minFifoPct: 100, exact: true },
  { dataset: 'aapl-L50-first672', symbol: 'AAPL', minBookMatchPct: 100, minFifoPct: 100, exact: true },
  // Achieved: book 100% (level 1 only: the book file has one level), FIFO 99.41%.
  { dataset: 'aapl-L50msgs-L1book-first-hour', symbol: 'AAPL', minBookMatchPct: 99.99, minFifoPct: 99.4, exact: false },
  // Achieved: book 99.95%, FIFO 86.13% (level-1 messages and book: see above).
  { dataset: 'amzn-L1-full-day', symbol: 'AMZN', minBookMatchPct: 99.9, minFifoPct: 86, exact: false },
];

describe('LOBSTER replay: the book after every Nasdaq message', () => {
  for (const c of CASES) {
    const dataset = findDataset(LOBSTER_ROOT, c.dataset);
    const skip = dataset === undefined ? `LOBSTER sample ${c.dataset} not found under ${LOBSTER_ROOT} (see ../shared/external/README.md)` : false;
    test(c.dataset, { skip }, () => {
      const { messages, book } = loadDataset(dataset!);
      const replay = new LobsterReplay(c.dataset, messages, book, { symbol: c.symbol, invariantEvery: 1000 });
      const stats = replay.run();
      console.log(formatStats(stats));

      assert.equal(stats.messages, messages.length - 1, 'every message after row 0 is replayed');
      assert.equal(stats.rejects, 0, `the engine rejected a command: ${stats.firstReject}`);
      assert.equal(stats.newOrdersTraded, 0, 'a new limit order (type 1) traded: the book was crossed');
      assert.equal(stats.priorityLost, 0, 'a partial cancel lost its queue position');
      assert.equal(stats.queueMismatches, 0, `the engine's queues are not as its events say: ${stats.firstQueueMismatch}`);
      assert.equal(stats.repairFailures, 0, 'the book could not be brought in line with a row');
      if (c.exact) {
        assert.equal(stats.unresolved, 0, 'a cancel or execution did not apply as the file says');
        assert.equal(stats.rowsMatched, stats.rowsCompared, `book differs: ${stats.firstMismatch}`);
        assert.equal(stats.fifoHits, stats.executions, `execution missed its order: ${stats.firstFifoMiss}`);
      }
      const bookPct = (100 * stats.rowsMatched) / stats.rowsCompared;
      const fifoPct = (100 * stats.fifoHits) / stats.executions;
      assert.ok(bookPct >= c.minBookMatchPct, `book match ${bookPct.toFixed(3)}% < ${c.minBookMatchPct}%; first: ${stats.firstMismatch}`);
      assert.ok(fifoPct >= c.minFifoPct, `FIFO hits ${fifoPct.toFixed(3)}% < ${c.minFifoPct}%; first miss: ${stats.firstFifoMiss}`);
    });
  }
});
