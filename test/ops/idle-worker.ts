// Test fixture: puts its own thread in SCHED_IDLE and reports its thread id and whether it could.
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { setThisThreadIdle } from '../../src/ops/thread-priority.ts';

const changed = setThisThreadIdle();
const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
parentPort!.postMessage({ changed, threadId });
// Stay alive until the test has read this thread's policy.
parentPort!.once('message', () => process.exit(0));
