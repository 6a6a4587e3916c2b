// Who listens to what: channel keys ("book.L2:AAPL", "orders:42") to the sessions subscribed. Publishing
// encodes nothing: the caller hands over bytes made once, and every subscriber gets those same bytes.
import type { Session } from './session.ts';

export class ChannelHub {
  private readonly subscribers = new Map<string, Set<Session>>();

  add(key: string, session: Session): void {
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(session);
  }

  remove(key: string, session: Session): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.subscribers.delete(key);
  }

  /** Channels with at least one subscriber (0: publishers can skip building anything). */
  get size(): number {
    return this.subscribers.size;
  }

  has(key: string): boolean {
    return this.subscribers.has(key);
  }

  /** Sends the same bytes to every subscriber of the key; returns how many got them. */
  publish(key: string, bytes: Buffer): number {
    const set = this.subscribers.get(key);
    if (!set) return 0;
    let sent = 0;
    for (const session of set) if (session.send(bytes)) sent++;
    return sent;
  }

  /** Subscribers per channel name (the part before ':'), for the metrics. */
  countsByChannel(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, set] of this.subscribers) {
      const channel = key.slice(0, key.indexOf(':'));
      counts.set(channel, (counts.get(channel) ?? 0) + set.size);
    }
    return counts;
  }
}
