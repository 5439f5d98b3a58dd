/**
 * HA bench (fake driver, real server and agents over WebSocket): a host running an HA guest loses its
 * network (the agent's link is cut and stays down; its lease keeper stops the guest before the lease
 * ends); measured: cut → the guest running on another host, and how many copies ever ran at once
 * (sampled every 10 ms on every host's driver). Each run is a fresh cloud of 2 hosts with the HA
 * guest's root disk on a shared (RBD, fake) pool.
 *
 *   node --import tsx bench/ha/ha-bench.ts [--runs 5] [--lease-ms N --margin-ms N --heartbeat-ms N]
 *
 * Without the timing flags the product defaults apply (heartbeat 10 s, lease 20 s, margin 5 s).
 * Prints JSON: the settings, every run, and the summary (p50, worst, duplicates).
 */
import type { Instance, Operation } from '@kumo/api';
import { startTestCloud, type TestCloud } from '../../packages/e2e/src/testing/test-cloud.ts';
import { summarize, type HaRun } from './ha-stats.ts';
import { startMachineReport } from '../machine/machine-report.ts';
import { wholeNumberFlag } from '../bench-flags.ts';

const machineReport = startMachineReport();

const runs = wholeNumberFlag('runs') ?? 5;
const leaseMs = wholeNumberFlag('lease-ms');
const marginMs = wholeNumberFlag('margin-ms');
const heartbeatMs = wholeNumberFlag('heartbeat-ms');

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function copiesRunning(cloud: TestCloud, id: string): Promise<number> {
  const powers = await Promise.all(cloud.hosts.map((h) => h.driver.inspect(id).then((s) => s.power, () => 'absent')));
  return powers.filter((p) => p === 'running').length;
}

async function oneRun(): Promise<HaRun> {
  const cloud = await startTestCloud({ hosts: 0, logLevel: 'error', controller: { ...(heartbeatMs ? { heartbeatIntervalMs: heartbeatMs } : {}) } });
  try {
    // Settings before the hosts join: an agent never shortens a lease it was granted, so a lease
    // shortened while hosts hold longer ones is not honoured by them until those run out.
    if (leaseMs || marginMs) {
      await cloud.server.ctx.repos.db.updateTable('zones').set({ ...(leaseMs ? { haLeaseMs: leaseMs } : {}), ...(marginMs ? { haFenceMarginMs: marginMs } : {}) }).execute();
    }
    await cloud.addHosts(2, 'host');
    await cloud.client.create('pools', { name: 'ceph', clusterId: cloud.defaults.clusterId, kind: 'rbd', rbdPool: 'kumo', capacityGiB: 100_000 });
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name: 'ha-bench', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, ha: true },
    });
    if (op.status !== 'succeeded') throw new Error(`create: ${op.message}`);
    const inst = await cloud.client.get<Instance>('instances', op.resourceId);
    const source = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
    await until(async () => source.agent.lease.deadlineMs() !== null && source.agent.lease.haInstances().length === 1, 'the host to hold a lease for the guest', 60_000);
    let maxCopies = 0;
    let sampling = true;
    let cutAt = 0;
    const sampler = (async () => {
      while (sampling) {
        const n = await copiesRunning(cloud, inst.id);
        if (n > 1 && process.env.HA_BENCH_DEBUG) process.stderr.write(`two copies at ${cutAt ? Math.round(performance.now() - cutAt) : 'before the cut'} ms: ${JSON.stringify(await Promise.all(cloud.hosts.map(async (h) => [h.name, await h.driver.inspect(inst.id)])))}\n`);
        maxCopies = Math.max(maxCopies, n);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    cutAt = performance.now();
    source.agent.cutNetwork();
    await until(async () => {
      const row = await cloud.server.ctx.repos.db.selectFrom('instances').select(['hostId', 'phase']).where('id', '=', inst.id).executeTakeFirstOrThrow();
      if (row.hostId === inst.hostId || row.phase !== 'running') return false;
      const target = cloud.hosts.find((h) => h.agent.hostId === row.hostId);
      return target !== undefined && (await target.driver.inspect(inst.id)).power === 'running';
    }, 'the guest running on the other host', 180_000);
    const recoveryMs = Math.round(performance.now() - cutAt);
    if (process.env.HA_BENCH_DEBUG) process.stderr.write(`source ${source.name}: fenced ${JSON.stringify(source.agent.lease.fencedInstances)}, deadline in ${String((source.agent.lease.deadlineMs() ?? 0) - Date.now())} ms, power ${JSON.stringify(await source.driver.inspect(inst.id))}\n`);
    // Keep sampling a little: a late second copy would still count.
    await new Promise((r) => setTimeout(r, 500));
    sampling = false;
    await sampler;
    return { recoveryMs, maxCopies };
  } finally {
    await cloud.close();
  }
}

const results: HaRun[] = [];
for (let i = 0; i < runs; i++) {
  results.push(await oneRun());
  process.stderr.write(`run ${i + 1}/${runs}: ${JSON.stringify(results.at(-1))}\n`);
}
process.stdout.write(`${JSON.stringify({
  machine: machineReport.finish(),
  bench: 'ha', driver: 'fake', settings: { heartbeatMs: heartbeatMs ?? 'default', leaseMs: leaseMs ?? 'default', marginMs: marginMs ?? 'default' },
  runs: results, summary: summarize(results), loadAverage: (await import('node:os')).loadavg(),
}, null, 2)}\n`);
process.exit(0);
