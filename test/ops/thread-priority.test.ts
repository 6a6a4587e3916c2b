import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { once } from 'node:events';
import { startWorker } from '../../src/ops/ts-worker.ts';
import { SCHED_IDLE, schedulingPolicyOf } from '../../src/ops/thread-priority.ts';

describe('setThisThreadNice', { skip: !existsSync('/proc/thread-self') && 'needs Linux /proc' }, () => {
  it('lowers the calling worker thread only, not the process', async () => {
    const before = getPriority(process.pid);
    const worker = startWorker(new URL('./nice-worker.ts', import.meta.url), 7);
    try {
      const [{ changed, threadId }] = await once(worker, 'message') as [{ changed: boolean; threadId: number }];
      assert.equal(changed, true);
      assert.notEqual(threadId, process.pid);
      assert.equal(getPriority(threadId), Math.max(7, before));
      assert.equal(getPriority(process.pid), before, 'the main thread keeps its priority');
    } finally {
      worker.postMessage('done');
      await once(worker, 'exit');
    }
  });
});

function hasChrt(): boolean {
  try {
    execFileSync('chrt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('setThisThreadIdle', { skip: !(existsSync('/proc/thread-self') && hasChrt()) && 'needs Linux /proc and chrt' }, () => {
  it('puts the calling worker thread in SCHED_IDLE, and only it', async () => {
    const mainPolicy = schedulingPolicyOf(process.pid, process.pid);
    assert.notEqual(mainPolicy, -1, 'the main thread\'s policy is readable');
    const worker = startWorker(new URL('./idle-worker.ts', import.meta.url), null);
    try {
      const [{ changed, threadId }] = await once(worker, 'message') as [{ changed: boolean; threadId: number }];
      assert.equal(changed, true);
      assert.notEqual(threadId, process.pid);
      assert.equal(schedulingPolicyOf(process.pid, threadId), SCHED_IDLE);
      assert.equal(schedulingPolicyOf(process.pid, process.pid), mainPolicy, 'the main thread keeps its policy');
      assert.notEqual(mainPolicy, SCHED_IDLE);
    } finally {
      worker.postMessage('done');
      await once(worker, 'exit');
    }
  });
});
