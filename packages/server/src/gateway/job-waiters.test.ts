import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { JobWaiters } from './job-waiters.ts';
import { AgentCallError } from './agent-call-error.ts';

const saved = { instanceId: 'i-1', power: 'saved' };

test('a job that ends before anyone waits is collected by the waiter; results are validated', async () => {
  const w = new JobWaiters(new FakeClock());
  w.onFrame('h1', { type: 'job', jobId: 'j1', event: 'done', state: 'succeeded', result: saved });
  assert.deepEqual(await w.wait('h1', 'j1', 'instance.save', 60_000), saved);
  const bad = w.wait('h1', 'j2', 'instance.save', 60_000);
  w.onFrame('h1', { type: 'job', jobId: 'j2', event: 'done', state: 'succeeded', result: { instanceId: 'i-1', power: 'flying' } });
  await assert.rejects(bad, /instance\.save result: \/power/);
});

test('the host drops: its waiters ride out a blip, settle from the next hello, and give up after the grace (the worker is freed)', async () => {
  const clock = new FakeClock();
  const w = new JobWaiters(clock);
  const blip = w.wait('h1', 'j1', 'instance.save', 600_000);
  w.hostGone('h1', 15_000);
  clock.advance(14_000);
  w.onHello('h1', [{ jobId: 'j1', key: 'k', method: 'instance.save', state: 'running', startedAt: '' }]);
  clock.advance(10_000);
  assert.equal(w.pending('h1'), 1, 'still waiting: the host came back within the grace');
  w.onFrame('h1', { type: 'job', jobId: 'j1', event: 'done', state: 'succeeded', result: saved });
  assert.deepEqual(await blip, saved);

  const gone = w.wait('h1', 'j2', 'instance.save', 600_000);
  w.hostGone('h1', 15_000);
  clock.advance(15_000);
  await assert.rejects(gone, (e: ApiError) => e instanceof ApiError && e.code === 'host_unavailable');
  assert.equal(w.pending(), 0);
});

test('a job the returning agent no longer knows fails retryably; a cancelled one fails cancelled', async () => {
  const w = new JobWaiters(new FakeClock());
  const lost = w.wait('h1', 'j1', 'instance.start', 60_000);
  const cancelled = w.wait('h1', 'j2', 'instance.save', 60_000);
  w.onHello('h1', [{ jobId: 'j2', key: 'k2', method: 'instance.save', state: 'cancelled', startedAt: '', error: { code: 'cancelled', message: 'save cancelled' } }]);
  await assert.rejects(lost, (e: AgentCallError) => e.code === 'host_failure' && /agent restarted/.test(e.message));
  await assert.rejects(cancelled, (e: AgentCallError) => e.code === 'cancelled');
});

test('the deadline rejects with a timeout naming the method', async () => {
  const clock = new FakeClock();
  const w = new JobWaiters(clock);
  const p = w.wait('h1', 'j1', 'instance.start', 300);
  clock.advance(300);
  await assert.rejects(p, (e: AgentCallError) => e.code === 'timeout' && /did not finish instance\.start within 300 ms/.test(e.message));
});
