// Test fixture: lowers its own thread's priority and reports its thread id and whether it could.
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { setThisThreadNice } from '../../src/ops/thread-priority.ts';

const changed = setThisThreadNice(workerData as number);
const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
parentPort!.postMessage({ changed, threadId });
// Stay alive until the test has read this thread's priority.
parentPort!.once('message', () => process.exit(0));
