// A connection's order-entry requests in arrival order, each waiting for its answer. Commands become
// durable in sequence order, but an answer found at once (a bad field) must not overtake the answers of
// commands sent before it, and a continuation may run a little out of order (a command held back during a
// snapshot resumes through one more promise), so answers leave from the front only: a request is
// answered when it and every request before it have their answer.

/** One request waiting for its answer (null until known). */
export interface PendingAnswer {
  answer: Buffer | null;
}

export interface AnswerSink {
  send(bytes: Buffer): boolean;
}

export class AnswerQueue {
  private readonly entries: PendingAnswer[] = [];
  private head = 0;

  /** Requests not answered yet. */
  get size(): number {
    return this.entries.length - this.head;
  }

  push(entry: PendingAnswer): void {
    this.entries.push(entry);
  }

  /** Sends every answer at the front that is known, in order. */
  drainTo(sink: AnswerSink): void {
    const entries = this.entries;
    while (this.head < entries.length) {
      const answer = entries[this.head].answer;
      if (answer === null) break;
      this.head++;
      sink.send(answer);
    }
    if (this.head === entries.length) {
      entries.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > entries.length) {
      // Compact now and then instead of shifting per answer.
      entries.splice(0, this.head);
      this.head = 0;
    }
  }
}
