import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTicksFromProcStat, load1FromLoadavg, memoryFromMeminfo, readHostCounters } from './host-counters.ts';

test('/proc parsers: cpu line, MemTotal/MemAvailable, load', () => {
  const stat = 'cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 50 2 25 400 10 1 1 5 0 0\nintr 1\n';
  assert.deepEqual(cpuTicksFromProcStat(stat), { cpuBusyTicks: 170, cpuTotalTicks: 990, cpuIowaitTicks: 20, cpuStealTicks: 10 });
  assert.deepEqual(memoryFromMeminfo('MemTotal:       16000 kB\nMemFree:  1 kB\nMemAvailable:    8000 kB\n'), { memoryTotalBytes: 16_384_000, memoryAvailableBytes: 8_192_000 });
  assert.equal(load1FromLoadavg('0.42 0.30 0.20 1/234 5678\n'), 0.42);
  assert.throws(() => cpuTicksFromProcStat('intr 1\n'), /no cpu line/);
});

test('readHostCounters reads this machine', async () => {
  const c = await readHostCounters();
  assert.ok(c.cpuTotalTicks > c.cpuBusyTicks && c.cpuBusyTicks > 0);
  assert.ok(c.memoryTotalBytes > c.memoryAvailableBytes && c.memoryAvailableBytes > 0);
  assert.ok(c.load1 >= 0);
});
