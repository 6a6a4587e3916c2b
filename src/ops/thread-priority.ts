// Lowers the scheduling priority of the calling thread only (not the process), and names it. On Linux the
// nice value is a per-thread attribute, and setpriority() with a thread id changes just that thread: so a
// background worker (the reporting store) can be told to use the cores only when order entry leaves them idle.
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The calling thread's id ("/proc/thread-self" links to "<pid>/task/<tid>"), or 0 where there is no /proc. */
function thisThreadId(): number {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(threadId) && threadId > 0 ? threadId : 0;
  } catch {
    return 0;
  }
}

/**
 * Names the calling thread for the operating system (Linux keeps at most 15 bytes): `top -H`, `ps -L` and
 * /proc then tell the engine, gateway, journal and reporting threads apart, where every one would say
 * "node". False where there is no /proc: the thread keeps its name, which is harmless.
 */
export function nameThisThread(name: string): boolean {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
    return true;
  } catch {
    return false;
  }
}

/**
 * Sets this thread's nice value (0 normal .. 19 lowest) unless it is already that low. Returns false where it cannot (not Linux, no
 * /proc): the thread then keeps the process's priority, which is correct, only less polite.
 */
export function setThisThreadNice(nice: number): boolean {
  if (nice <= 0) return false;
  const threadId = thisThreadId();
  if (threadId === 0) return false;
  try {
    // Only ever lower the priority: raising it back (a smaller nice value) needs privileges.
    if (getPriority(threadId) < nice) setPriority(threadId, nice);
    return true;
  } catch {
    return false;
  }
}

/** SCHED_IDLE's number in Linux's scheduling policies (the "policy" line of /proc/<pid>/task/<tid>/sched). */
export const SCHED_IDLE = 5;

/**
 * Puts this thread in Linux's SCHED_IDLE class: it runs only on a core no other thread wants, and a thread
 * of the order path that wakes up takes the core from it at once. A nice value only lowers its share, so a
 * waking engine or gateway thread could still wait out the rest of its time slice: measured on 2 cores,
 * p99 at 10,000 orders/s 14 ms against 22 ms at nice 10 (docs/decisions.md). Node has no
 * sched_setscheduler, so this asks util-linux's `chrt` (setting one's own thread to SCHED_IDLE needs no
 * privilege). False where that is not possible (not Linux, no chrt): the caller keeps the nice value.
 */
export function setThisThreadIdle(): boolean {
  const threadId = thisThreadId();
  if (threadId === 0) return false;
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(threadId)], { stdio: 'ignore', timeout: 5_000 });
    return schedulingPolicyOf(process.pid, threadId) === SCHED_IDLE;
  } catch {
    return false;
  }
}

/** A thread's scheduling policy number (0 normal, 5 SCHED_IDLE), from /proc; -1 when it cannot be read. */
export function schedulingPolicyOf(processId: number, threadId: number): number {
  try {
    const line = readFileSync(`/proc/${processId}/task/${threadId}/sched`, 'utf8').split('\n').find((l) => l.startsWith('policy'));
    return line === undefined ? -1 : Number(line.split(':')[1]);
  } catch {
    return -1;
  }
}
