import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { PeriodicTask } from './periodic-task.ts';

const settle = () => new Promise((r) => setImmediate(r));

test('a periodic task runs every interval on the clock, one run at a time, and goes on after a failure', async () => {
  const clock = new FakeClock(0);
  let runs = 0;
  const errors: unknown[] = [];
  let release: () => void = () => undefined;
  const task = new PeriodicTask(clock, 1000, async () => {
    runs++;
    if (runs === 2) throw new Error('boom');
    if (runs === 3) await new Promise<void>((r) => { release = r; });
  }, (e) => errors.push(e));
  task.start();
  task.start(); // a second start schedules nothing more
  clock.advance(999); await settle();
  assert.equal(runs, 0);
  clock.advance(1); await settle();
  assert.equal(runs, 1);
  clock.advance(1000); await settle();
  assert.equal(runs, 2);
  assert.equal(errors.length, 1, 'the failure is reported');
  clock.advance(1000); await settle();
  assert.equal(runs, 3, 'the next run came after the failure');
  clock.advance(5000); await settle();
  assert.equal(runs, 3, 'no second run while one is in progress');
  release(); await settle();
  clock.advance(1000); await settle();
  assert.equal(runs, 4);
  task.stop();
  clock.advance(10_000); await settle();
  assert.equal(runs, 4, 'stopped: no more runs');
  new PeriodicTask(clock, 0, async () => { runs++; }).start();
  clock.advance(10_000); await settle();
  assert.equal(runs, 4, 'an interval of 0 never runs');
});
