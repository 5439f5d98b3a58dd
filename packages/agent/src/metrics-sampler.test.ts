import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, type HostCounters, type InstanceSpec } from '@kumo/core';
import { FakeDriver, fakeLoads } from '@kumo/driver-fake';
import { MetricsSampler } from './metrics-sampler.ts';

const spec = (id: string): InstanceSpec => ({
  instanceId: id, name: id, vcpus: 2, memoryMiB: 256, disks: [], boot: {}, stopTimeoutSec: 1,
  nics: [{ nicId: `nic-${id}`, mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: `tap-${id}` }, pciSlot: 8 }],
});

test('the sampler turns fake guests\' counters into rates, primes on the first round, and hands each sample out once', async () => {
  const clock = new FakeClock();
  const driver = new FakeDriver({ hostname: 'h', clock });
  await driver.start(spec('i-busy'));
  await driver.start(spec('i-idle'));
  fakeLoads(driver.host).set('i-busy', { cpuPct: 100, netRxBps: 1e6 });
  let ticks = 0;
  const readHost = (): Promise<HostCounters> => {
    ticks += 1000;
    return Promise.resolve({ at: clock.now(), cpuBusyTicks: ticks / 2, cpuTotalTicks: ticks, cpuIowaitTicks: 0, cpuStealTicks: 0, load1: 1, memoryTotalBytes: 100, memoryAvailableBytes: 40 });
  };
  const sampler = new MetricsSampler({ driver, pools: () => Promise.resolve([{ path: '/p', capacityGiB: 10, usedGiB: 9 }]), readHost });
  await sampler.sampleOnce();
  assert.equal(sampler.takeBatch(), null, 'the first round only primes');
  clock.advance(10_000);
  await sampler.sampleOnce();
  const batch = sampler.takeBatch();
  assert.ok(batch);
  const busy = batch.instances.find((s) => s.instanceId === 'i-busy');
  const idle = batch.instances.find((s) => s.instanceId === 'i-idle');
  assert.equal(busy?.cpuPct, 100);
  assert.equal(busy?.netRxBps, 1e6);
  assert.equal(idle?.cpuPct, 2);
  assert.deepEqual(batch.host.map((h) => [h.cpuPct, h.poolUsedPct, h.memoryUsedBytes]), [[50, 90, 60]]);
  assert.equal(batch.host[0]?.netRxBps, 1e6 + 1500, 'host traffic sums its guests');
  assert.equal(sampler.takeBatch(), null, 'taken once');
  await driver.pause('i-busy');
  clock.advance(10_000);
  await sampler.sampleOnce();
  assert.equal(sampler.takeBatch()?.instances.find((s) => s.instanceId === 'i-busy')?.cpuPct, 0, 'a paused guest burns nothing');
  await driver.close();
});

test('the backlog is bounded while no heartbeat takes it (oldest dropped first)', async () => {
  const clock = new FakeClock();
  const driver = new FakeDriver({ hostname: 'h', clock });
  for (let i = 0; i < 5; i++) await driver.start(spec(`i-${i}`));
  const readHost = () => Promise.resolve({ at: clock.now(), cpuBusyTicks: clock.now(), cpuTotalTicks: 2 * clock.now(), cpuIowaitTicks: 0, cpuStealTicks: 0, load1: 0, memoryTotalBytes: 1, memoryAvailableBytes: 1 });
  const sampler = new MetricsSampler({ driver, pools: () => Promise.resolve([]), readHost, maxBacklog: 7 });
  for (let i = 0; i < 4; i++) { await sampler.sampleOnce(); clock.advance(10_000); }
  const batch = sampler.takeBatch();
  assert.equal(batch?.instances.length, 7);
  assert.equal(batch?.host.length, 3);
  assert.equal(Math.max(...batch!.instances.map((s) => s.at)), Math.floor((clock.now() - 10_000) / 1000), 'the newest are kept');
  await driver.close();
});
