import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overCommitted, quantile } from './cluster-stats.ts';

test('quantile takes the nearest rank', () => {
  assert.equal(quantile([], 0.5), 0);
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(quantile([5, 1, 3, 2, 4], 0.99), 5);
});

test('overCommitted names hosts over their room or out of step with their instances', () => {
  const ok = { name: 'a', cpus: 8, memoryMiB: 1024, cpuOvercommit: 1, memoryOvercommit: 1, cpuAllocated: 8, memoryAllocatedMiB: 1024, boundVcpus: 8, boundMemoryMiB: 1024 };
  assert.deepEqual(overCommitted([ok]), []);
  assert.match(overCommitted([{ ...ok, cpuAllocated: 9, boundVcpus: 9 }])[0]!, /a: 9 vCPUs reserved of 8/);
  assert.deepEqual(overCommitted([{ ...ok, cpuAllocated: 12, boundVcpus: 12, cpuOvercommit: 2 }]), []);
  assert.match(overCommitted([{ ...ok, boundVcpus: 7 }])[0]!, /its instances 7/);
});
