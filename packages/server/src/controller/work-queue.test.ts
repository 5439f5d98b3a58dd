import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { WorkQueue } from './work-queue.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('a key is queued once, never processed twice at once, and re-processed if it changed meanwhile', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock, { concurrency: 4, baseBackoffMs: 100, maxBackoffMs: 1000 });
  const seen: string[] = [];
  let release: () => void = () => undefined;
  let running = 0; let maxRunning = 0;
  q.start(async (k) => {
    seen.push(k);
    running++; maxRunning = Math.max(maxRunning, running);
    if (k === 'a' && seen.filter((x) => x === 'a').length === 1) await new Promise<void>((r) => { release = r; });
    running--;
  });
  q.add('a'); q.add('a'); q.add('b');
  await tick(); await tick();
  assert.deepEqual(seen, ['a', 'b'], 'duplicates collapse');
  q.add('a'); // changes while 'a' is being processed
  await tick();
  assert.equal(seen.filter((x) => x === 'a').length, 1, 'not processed concurrently');
  release();
  await tick(); await tick();
  assert.equal(seen.filter((x) => x === 'a').length, 2, 'processed again after it finished');
  await q.stop();
});

test('failures back off exponentially on the injected clock, up to the cap, and forget resets it', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock, { concurrency: 1, baseBackoffMs: 100, maxBackoffMs: 500 });
  const runs: number[] = [];
  q.start(async () => { runs.push(clock.now()); });
  const delays = [q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')];
  assert.deepEqual(delays, [100, 200, 400, 500, 500]);
  assert.equal(q.retries('k'), 5);
  clock.advance(499); await tick();
  assert.equal(runs.length, 0, 'nothing before the delay (the last addAfter replaced the earlier ones)');
  clock.advance(1); await tick();
  assert.equal(runs.length, 1);
  q.forget('k');
  assert.equal(q.retries('k'), 0);
  assert.equal(q.addRateLimited('k'), 100);
  await q.stop();
});

test('stop ends the workers and drops delayed keys', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock, { concurrency: 2, baseBackoffMs: 10, maxBackoffMs: 10 });
  let n = 0;
  q.start(async () => { n++; });
  q.addAfter('x', 1000);
  assert.equal(clock.pendingTimers(), 1);
  await q.stop();
  assert.equal(clock.pendingTimers(), 0);
  clock.advance(2000); await tick();
  assert.equal(n, 0);
  q.add('y');
  await tick();
  assert.equal(n, 0, 'a stopped queue takes nothing');
});
