/**
 * Scheduler bench: fills 1,000 and 10,000 hosts with up to 100,000 instances
 * through CapacityIndex.place + reserve and prints JSON only (see README.md).
 *
 *   node --import tsx bench/scheduler/scheduler-bench.ts [--instances N] [--hosts 1000,10000]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CapacityIndex, placeInstance } from '../../packages/core/src/scheduler/index.ts';
import type { PlacementResult, SchedulerHost } from '../../packages/core/src/scheduler/index.ts';
import { seededRandom } from '../../packages/core/src/scheduler/scheduler-test-fixtures.ts';
import { GroupBook, buildWorld, largeOfferings, nextRequest, smallOfferings } from './bench-world.ts';
import type { Offering } from './bench-world.ts';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Sum of garbage-collection pauses seen so far, ms. */
let gcPauseMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const targetInstances = Number(option('instances', '100000'));
const hostCounts = option('hosts', '1000,10000').split(',').map(Number);

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function stats(durationsUs: Float64Array): { placementsPerSec: number; p50Us: number; p99Us: number; maxUs: number } {
  const sorted = Float64Array.from(durationsUs).sort();
  const totalUs = durationsUs.reduce((sum, d) => sum + d, 0);
  return {
    placementsPerSec: Math.round(durationsUs.length / (totalUs / 1e6)),
    p50Us: Math.round(percentile(sorted, 0.5) * 10) / 10,
    p99Us: Math.round(percentile(sorted, 0.99) * 10) / 10,
    maxUs: Math.round(percentile(sorted, 1)),
  };
}

/** Heap after a full GC. A forced GC also throws away optimised code, so never time right after it. */
function heapMiB(): number {
  gc();
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
}

function usedPercent(hosts: Iterable<SchedulerHost>, used: (h: SchedulerHost) => number, room: (h: SchedulerHost) => number): number {
  let u = 0;
  let r = 0;
  for (const h of hosts) {
    if (h.state !== 'up') continue;
    u += used(h);
    r += room(h);
  }
  return Math.round((u / r) * 1000) / 10;
}

/** Runs the placement code on a throwaway world so the timed run starts with optimised code (as a running server would). */
function warmUp(offerings: readonly Offering[]): void {
  const random = seededRandom(1);
  const world = buildWorld(random, 300, 2);
  const index = new CapacityIndex(world.hosts);
  const groups = new GroupBook();
  for (let i = 0; i < 5000; i++) {
    const request = nextRequest(random, world, offerings, groups);
    const result = index.place(request);
    if (result.ok) {
      const best = result.candidates[0]!;
      index.reserve(best.hostId, best.poolId, request.vcpus, request.memoryMiB, request.rootDiskGiB);
      for (const group of request.affinityGroups) group.hostIds.push(best.hostId);
    }
    if (i % 10 === 0) placeInstance(world.hosts, request);
  }
}

async function runScenario(hostCount: number) {
  const random = seededRandom(hostCount);
  const zoneCount = hostCount >= 10_000 ? 4 : 2;
  const world = buildWorld(random, hostCount, zoneCount);
  const offerings = hostCount >= 10_000 ? largeOfferings : smallOfferings;
  const groups = new GroupBook();
  const heapBeforeIndexMiB = heapMiB();
  const buildStart = performance.now();
  const index = new CapacityIndex(world.hosts);
  const buildIndexMs = Math.round((performance.now() - buildStart) * 10) / 10;
  const heapWithIndexMiB = heapMiB();
  warmUp(offerings);

  // Every attempt is timed (place + reserve); failed attempts (no host fits) count too.
  // Stops at the target, or when the cloud is full (1,000 failures in a row).
  const maxAttempts = Math.ceil(targetInstances * 1.5);
  const durationsUs = new Float64Array(maxAttempts);
  let attempts = 0;
  let placed = 0;
  let failed = 0;
  let failuresInARow = 0;
  const failedByLastFilter = new Map<string, number>();
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const gcStart = gcPauseMs;
  while (placed < targetInstances && attempts < maxAttempts && failuresInARow < 1000) {
    const request = nextRequest(random, world, offerings, groups);
    const start = process.hrtime.bigint();
    const result = index.place(request);
    if (result.ok) {
      const best = result.candidates[0]!;
      index.reserve(best.hostId, best.poolId, request.vcpus, request.memoryMiB, request.rootDiskGiB);
    }
    durationsUs[attempts++] = Number(process.hrtime.bigint() - start) / 1000;
    // Let the event loop turn now and then, so GC performance entries get delivered.
    if (attempts % 5000 === 0) await nextTick();
    if (result.ok) {
      placed++;
      failuresInARow = 0;
      for (const group of request.affinityGroups) group.hostIds.push(result.candidates[0]!.hostId);
    } else {
      failed++;
      failuresInARow++;
      const last = result.filters.findLast((f) => f.removed > 0);
      const reason = last?.filter ?? 'none';
      failedByLastFilter.set(reason, (failedByLastFilter.get(reason) ?? 0) + 1);
    }
  }
  await nextTick();
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const all = durationsUs.subarray(0, attempts);

  // The full cloud: the index, then the pure function on a snapshot (as the database would give
  // it), timed in separate passes (interleaved, each evicts the other's data from the CPU caches).
  const sample = Array.from({ length: 500 }, () => nextRequest(random, world, offerings, new GroupBook()));
  const indexDurations = new Float64Array(sample.length);
  const indexResults: PlacementResult[] = sample.map((request, i) => {
    const start = process.hrtime.bigint();
    const result = index.place(request);
    indexDurations[i] = Number(process.hrtime.bigint() - start) / 1000;
    return result;
  });
  const pureDurations = new Float64Array(sample.length);
  const finalHosts = world.hosts.map((h) => index.getHost(h.id)!);
  sample.forEach((request, i) => {
    const start = process.hrtime.bigint();
    const result = placeInstance(finalHosts, request);
    pureDurations[i] = Number(process.hrtime.bigint() - start) / 1000;
    if (JSON.stringify(result) !== JSON.stringify(indexResults[i])) {
      throw new Error('placeInstance and CapacityIndex disagree');
    }
  });
  const memoryUsedPercent = usedPercent(finalHosts, (h) => h.memoryAllocatedMiB, (h) => h.memoryMiB * h.memoryOvercommit);
  const cpuUsedPercent = usedPercent(finalHosts, (h) => h.cpuAllocated, (h) => h.cpus * h.cpuOvercommit);
  finalHosts.length = 0;
  sample.length = 0;
  indexResults.length = 0;

  return {
    hosts: hostCount,
    zones: zoneCount,
    clusters: world.clusterCount,
    offerings: offerings.map((o) => `${o.vcpus}c/${o.memoryGiB}G`).join(' '),
    buildIndexMs,
    attempts,
    instancesPlaced: placed,
    failedPlacements: failed,
    failedByLastFilter: Object.fromEntries(failedByLastFilter),
    memoryUsedPercent,
    cpuUsedPercent,
    fill: {
      wallSeconds: Math.round(wallMs) / 1000,
      // Below 1 when other processes took the CPU from the bench.
      cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100,
      gcPauseMs: Math.round(gcPauseMs - gcStart),
      overall: stats(all),
      last10Percent: stats(all.subarray(Math.floor(attempts * 0.9))),
    },
    fullCloudSample: {
      requests: indexDurations.length,
      capacityIndex: stats(indexDurations),
      placeInstanceOnArray: stats(pureDurations),
    },
    // The world's host objects are live throughout; withIndex - beforeIndex is the index itself.
    heapUsedMiB: { beforeIndex: heapBeforeIndexMiB, withIndex: heapWithIndexMiB, filled: heapMiB() },
  };
}

const scenarios = [];
for (const hostCount of hostCounts) scenarios.push(await runScenario(hostCount));
console.log(
  JSON.stringify(
    {
      machine: machineReport.finish(),
      bench: 'scheduler',
      targetInstances,
      scenarios,
    },
    null,
    2,
  ),
);
