// The progress bar: one line on stderr, redrawn 4 times a second while a run goes: which ladder, which
// step, time elapsed against the planned total (every step of every ladder; ladders usually stop earlier),
// the step's target rate and the last second's answers and p99. Only on a terminal; elsewhere the step
// tables are the progress. log() writes a line above the bar.
import { fmtInt, fmtMs } from '../http/stats.ts';

const WIDTH = 24;

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private label = '';
  private step = '';
  private rate = 0;
  private answered = 0;
  private p99Ms = NaN;
  private shown = false;

  constructor(private readonly plannedMs: number) {
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  /** A new step: `label` (transport and server), `step` (e.g. "3/7"), its target rate. */
  stepStarted(label: string, step: string, rate: number): void {
    this.label = label;
    this.step = step;
    this.rate = rate;
    this.answered = 0;
    this.p99Ms = NaN;
  }

  /** The last second of the running step, from the load processes. */
  second(answered: number, p99Ms: number): void {
    this.answered = answered;
    this.p99Ms = p99Ms;
  }

  log(line: string): void {
    this.clear();
    console.log(line);
    this.draw();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(): void {
    if (!this.tty || this.timer === null || this.label === '') return;
    const elapsed = performance.now() - this.startedAt;
    const done = Math.min(1, elapsed / this.plannedMs);
    const filled = Math.round(done * WIDTH);
    const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
    const line = `[${bar}] ${clock(elapsed)} / ${clock(this.plannedMs)} planned  ${this.label} step ${this.step} ` +
      `target ${fmtInt(this.rate)}/s, last second ${fmtInt(this.answered)} answered, p99 ${Number.isNaN(this.p99Ms) ? '-' : fmtMs(this.p99Ms)} ms`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 160) - 1)}`);
    this.shown = true;
  }
}
