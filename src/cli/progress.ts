// A one-line progress bar on stderr for long work (replay, import, bench); silent when not a terminal.
export class ProgressBar {
  private lastDrawMs = 0;
  private readonly startedMs = Date.now();

  constructor(private readonly label: string, private readonly total: number, private readonly stream = process.stderr) {}

  update(done: number): void {
    const now = Date.now();
    if (now - this.lastDrawMs < 100 && done < this.total) return;
    this.lastDrawMs = now;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.startedMs) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${done}/${this.total} ${rate}/s`;
    if (this.stream.isTTY) this.stream.write(`\r${line}`);
    else if (done >= this.total) this.stream.write(`${line}\n`);
  }

  finish(done: number): void {
    this.lastDrawMs = 0;
    this.update(done);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
