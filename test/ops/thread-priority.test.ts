import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { once } from 'node:events';
import { startWorker } from '../../src/ops/ts-worker.ts';

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
