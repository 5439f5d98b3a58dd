/**
 * Cluster bench (fake driver, the real server and agents over WebSocket, one process): M creates
 * from C concurrent API clients onto N simulated hosts, from the first POST until every instance
 * runs; then every host's reservations are checked against its room and its instances.
 *
 *   node --import tsx bench/cluster/cluster-bench.ts [--hosts 10000] [--instances 10000] [--clients 16]
 *     [--placement index|reread] [--dialect sqlite|postgres] [--servers 1]
 *
 * --placement reread makes the server read every host from the database for each placement (what it
 * did before the long-lived capacity index), for a before/after in the same minute.
 * --servers N > 1 needs several servers sharing one PostgreSQL (the control-plane-ha work); until
 * then only 1 is accepted.
 * Prints JSON: settings, timings (hosts connected, creates answered, all running), API latency,
 * over-commit findings, the machine.
 */
import type { Operation } from '@kumo/api';
import { startTestCloud } from '../../packages/e2e/src/testing/test-cloud.ts';
import { PlacementIndex } from '../../packages/server/src/controller/placement-index.ts';
import { startMachineReport } from '../machine/machine-report.ts';
import { choiceFlag, wholeNumberFlag } from '../bench-flags.ts';
import { overCommitted, quantile, type HostUse } from './cluster-stats.ts';

const machineReport = startMachineReport();

const hostCount = wholeNumberFlag('hosts') ?? 10_000;
const instanceCount = wholeNumberFlag('instances') ?? 10_000;
const clients = wholeNumberFlag('clients') ?? 16;
const servers = wholeNumberFlag('servers') ?? 1;
const placement = choiceFlag('placement', ['index', 'reread']);
const dialect = choiceFlag('dialect', ['sqlite', 'postgres']);
if (servers !== 1) throw new Error('--servers: only 1 for now (several servers on one PostgreSQL come with the control-plane-ha work)');

if (placement === 'reread') {
  // Every placement reads every host again, as the server did before the capacity index.
  PlacementIndex.prototype.current = function current(this: PlacementIndex) { return this.resync(); };
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
const sinceMs = (t: number) => Math.round(performance.now() - t);

const cloud = await startTestCloud({
  hosts: 0, logLevel: 'error', dialect, sampling: false, cpus: 8, memoryMiB: 16_384,
  // Production's heartbeat: 10,000 hosts at the test cloud's 2 s would be 5,000 heartbeats a second.
  controller: { heartbeatIntervalMs: 10_000 },
});
try {
  const db = cloud.server.ctx.repos.db;
  let t = performance.now();
  for (let added = 0; added < hostCount; added += 1000) {
    await cloud.addHosts(Math.min(1000, hostCount - added), `c${added / 1000}`);
    log(`${cloud.hosts.length} hosts connected`);
  }
  const hostsConnectedMs = sinceMs(t);

  const offeringId = cloud.defaults.offeringIds.small!;
  const latencies: number[] = [];
  const failures: string[] = [];
  let issued = 0;
  t = performance.now();
  const t0 = t;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (issued < instanceCount) {
      const n = issued++;
      const started = performance.now();
      try {
        await cloud.client.request<Operation>('POST', '/api/v1/instances', {
          body: { name: `cb-${c}-${n}`, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId },
        });
        latencies.push(performance.now() - started);
      } catch (e) {
        failures.push(String(e));
      }
    }
  }));
  const createsAnsweredMs = sinceMs(t0);
  log(`${latencies.length} creates answered in ${createsAnsweredMs} ms (${failures.length} failed)`);

  const count = async (phase: 'running' | 'error') => Number((await db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('phase', '=', phase).executeTakeFirst())?.n ?? 0);
  let running = 0;
  let lastLog = performance.now();
  // Generous: on a loaded 2-core machine the last instances start minutes after the creates were answered.
  const deadline = performance.now() + Math.max(600_000, instanceCount * 200);
  while (running < latencies.length && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    running = await count('running');
    if (performance.now() - lastLog > 5000) { log(`${running} running, ${await count('error')} in error`); lastLog = performance.now(); }
  }
  const allRunningMs = sinceMs(t0);
  const errors = await count('error');

  const rows = await db.selectFrom('hosts').innerJoin('clusters', 'clusters.id', 'hosts.clusterId')
    .select(['hosts.id', 'hosts.name', 'hosts.cpus', 'hosts.memoryMiB', 'hosts.cpuAllocated', 'hosts.memoryAllocatedMiB', 'clusters.cpuOvercommit', 'clusters.memoryOvercommit']).execute();
  const bound = await db.selectFrom('instances').select(['hostId', (eb) => eb.fn.sum<number>('vcpus').as('vcpus'), (eb) => eb.fn.sum<number>('memoryMiB').as('memoryMiB')])
    .where('phase', '!=', 'deleted').where('hostId', 'is not', null).groupBy('hostId').execute();
  const boundBy = new Map(bound.map((b) => [b.hostId, b]));
  const uses: HostUse[] = rows.map((h) => ({
    name: h.name, cpus: h.cpus, memoryMiB: h.memoryMiB, cpuOvercommit: h.cpuOvercommit, memoryOvercommit: h.memoryOvercommit,
    cpuAllocated: h.cpuAllocated, memoryAllocatedMiB: h.memoryAllocatedMiB,
    boundVcpus: Number(boundBy.get(h.id)?.vcpus ?? 0), boundMemoryMiB: Number(boundBy.get(h.id)?.memoryMiB ?? 0),
  }));
  const overCommit = overCommitted(uses);
  const hostsUsed = uses.filter((u) => u.cpuAllocated > 0).length;

  process.stdout.write(`${JSON.stringify({
    machine: machineReport.finish(),
    bench: 'cluster', driver: 'fake', settings: { hosts: hostCount, instances: instanceCount, clients, servers, placement, dialect },
    hostsConnectedMs,
    creates: { answered: latencies.length, failed: failures.length, firstFailures: failures.slice(0, 3), answeredMs: createsAnsweredMs, p50Ms: Math.round(quantile(latencies, 0.5)), p99Ms: Math.round(quantile(latencies, 0.99)) },
    allRunningMs, running, inError: errors, timedOut: running < latencies.length,
    instancesPerSecond: Math.round((running / allRunningMs) * 1000 * 10) / 10,
    hostsUsed, overCommitted: overCommit.length, overCommitExamples: overCommit.slice(0, 5),
  }, null, 2)}\n`);
} finally {
  await cloud.close();
}
process.exit(0);
