// Lowers the scheduling priority of the calling thread only (not the process). On Linux the nice value is
// a per-thread attribute, and setpriority() with a thread id changes just that thread: so a background
// worker (the reporting store) can be told to use the cores only when order entry leaves them idle.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Sets this thread's nice value (0 normal .. 19 lowest) unless it is already that low. Returns false where it cannot (not Linux, no
 * /proc): the thread then keeps the process's priority, which is correct, only less polite.
 */
export function setThisThreadNice(nice: number): boolean {
  if (nice <= 0) return false;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>" for the thread that reads it.
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(threadId) || threadId <= 0) return false;
    // Only ever lower the priority: raising it back (a smaller nice value) needs privileges.
    if (getPriority(threadId) < nice) setPriority(threadId, nice);
    return true;
  } catch {
    return false;
  }
}
