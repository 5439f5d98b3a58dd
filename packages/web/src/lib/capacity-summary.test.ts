import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeZoneCapacity } from './capacity-summary.ts';

test('capacity is summed per zone from hosts and pools', () => {
  const zones = [{ id: 'zone-a', name: 'a' }, { id: 'zone-b', name: 'b' }];
  const hosts = [
    { zoneId: 'zone-a', cpus: 8, cpuAllocated: 2, memoryMiB: 16384, memoryAllocatedMiB: 1024 },
    { zoneId: 'zone-a', cpus: 8, cpuAllocated: 1.5, memoryMiB: 16384, memoryAllocatedMiB: 512 },
    { zoneId: 'zone-c', cpus: 99, cpuAllocated: 99, memoryMiB: 99, memoryAllocatedMiB: 99 },
  ];
  const pools = [{ zoneId: 'zone-a', capacityGiB: 100, allocatedGiB: 20 }, { zoneId: 'zone-b', capacityGiB: 50, allocatedGiB: 0 }];
  const [a, b] = summarizeZoneCapacity(zones, hosts, pools);
  assert.deepEqual(a, {
    zoneId: 'zone-a', zoneName: 'a', hostCount: 2,
    cpus: { used: 3.5, total: 16 }, memoryMiB: { used: 1536, total: 32768 }, storageGiB: { used: 20, total: 100 },
  });
  assert.deepEqual(b, {
    zoneId: 'zone-b', zoneName: 'b', hostCount: 0,
    cpus: { used: 0, total: 0 }, memoryMiB: { used: 0, total: 0 }, storageGiB: { used: 0, total: 50 },
  });
});

test('dashboard_cpu_bar_ignores_overcommit: allocation past the physical total is measured against what may be scheduled', () => {
  const zones = [{ id: 'zone-a', name: 'a' }];
  const hosts = [
    { zoneId: 'zone-a', clusterId: 'c-4x', cpus: 8, cpuAllocated: 12, memoryMiB: 1000, memoryAllocatedMiB: 900 },
    { zoneId: 'zone-a', clusterId: 'c-1x', cpus: 8, cpuAllocated: 4, memoryMiB: 1000, memoryAllocatedMiB: 100 },
  ];
  const clusters = [{ id: 'c-4x', cpuOvercommit: 4, memoryOvercommit: 1 }, { id: 'c-1x', cpuOvercommit: 1, memoryOvercommit: 1 }];
  const [a] = summarizeZoneCapacity(zones, hosts, [], clusters);
  assert.deepEqual(a!.cpus, { used: 16, total: 16, schedulable: 40 });
  assert.deepEqual(a!.memoryMiB, { used: 1000, total: 2000 }, 'no overcommit: no schedulable figure');
});
