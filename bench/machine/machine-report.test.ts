import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrate, startMachineReport } from './machine-report.ts';

test('calibrate reports the best of its runs from the clock it is given', () => {
  const ticks = [0, 50, 100, 130, 200, 290];
  let i = 0;
  const c = calibrate(3, () => ticks[i++]!);
  assert.deepEqual(c.runsMs, [50, 30, 90]);
  assert.equal(c.ms, 30);
});

test('a machine report names the CPU, cores, load before and after, and both calibrations', () => {
  const report = startMachineReport().finish();
  assert.ok(report.cores >= 1);
  assert.notEqual(report.cpuModel, '');
  assert.equal(report.loadBefore.length, 3);
  assert.equal(report.loadAfter.length, 3);
  assert.ok(report.calibrationBefore.ms > 0 && report.calibrationAfter.ms > 0);
  assert.equal(report.calibrationBefore.runsMs.length, 3);
  assert.match(report.node, /^v\d+/);
});
