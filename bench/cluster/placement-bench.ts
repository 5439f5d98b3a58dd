/**
 * Placement as the server does it (PlacementService.placeAndBind: request from the database, ranking,
 * re-check and conditional reservation in the binding transaction), without agents or HTTP: M
 * instances placed by C concurrent placers onto N hosts in SQLite or PostgreSQL, once ranking from the
 * long-lived capacity index and once reading every host per placement (the server before the index),
 * alternating, each on a fresh database. Then every host's reservations are checked.
 *
 *   node --import tsx bench/cluster/placement-bench.ts [--hosts 10000] [--instances 2000] [--concurrency 16] [--rounds 2] [--dialect sqlite|postgres]
 *
 * --modes index (or reread) runs one mode only.
 * Prints JSON: per mode and round, placements per second, p50/p99 of one placement, over-commit findings.
 */
import { newId, systemClock } from '@kumo/core';
import { createRepos, type InstanceRow, type OperationRow, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { PlacementService } from '../../packages/server/src/controller/placement.ts';
import { PlacementIndex } from '../../packages/server/src/controller/placement-index.ts';
import { volumePath } from '../../packages/server/src/controller/instance-spec.ts';
import { startMachineReport } from '../machine/machine-report.ts';
import { wholeNumberFlag } from '../bench-flags.ts';
import { overCommitted, quantile, type HostUse } from './cluster-stats.ts';

const machineReport = startMachineReport();

const hostCount = wholeNumberFlag('hosts') ?? 10_000;
const instanceCount = wholeNumberFlag('instances') ?? 2000;
const concurrency = wholeNumberFlag('concurrency') ?? 16;
const rounds = wholeNumberFlag('rounds') ?? 2;
const dialectIndex = process.argv.indexOf('--dialect');
const dialect = dialectIndex < 0 ? 'sqlite' : process.argv[dialectIndex + 1];
if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`--dialect: ${String(dialect)} is not sqlite or postgres`);

const modesIndex = process.argv.indexOf('--modes');
const modes = (modesIndex < 0 ? 'reread,index' : process.argv[modesIndex + 1] ?? '').split(',');
if (!modes.every((m) => m === 'reread' || m === 'index')) throw new Error(`--modes: ${modes.join(',')} is not a list of reread and index`);
const now = () => new Date().toISOString();
const log = (msg: string) => process.stderr.write(`${now()} ${msg}\n`);
const indexCurrent = PlacementIndex.prototype.current;
const rereadEveryHost = function current(this: PlacementIndex) { return this.resync(); };

async function seedInstances(repos: Repos, zoneId: string, accountId: string): Promise<InstanceRow[]> {
  const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
  await repos.images.insert({ id: imageId, accountId, name: `img-${imageId.slice(-6)}`, description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
  await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
  await repos.offerings.insert({ id: offeringId, name: `o-${offeringId.slice(-6)}`, description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
  const rows: InstanceRow[] = [];
  for (let i = 0; i < instanceCount; i++) {
    rows.push({
      id: newId('instance'), accountId, name: `vm${i}`, zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId, imageVersionId: versionId,
      offeringId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending',
      task: 'scheduling', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
    });
  }
  for (let i = 0; i < rows.length; i += 200) await repos.db.insertInto('instances').values(rows.slice(i, i + 200)).execute();
  return rows;
}

async function oneRun(mode: 'index' | 'reread') {
  PlacementIndex.prototype.current = mode === 'index' ? indexCurrent : rereadEveryHost;
  const h = await openTestDatabase(dialect as 'sqlite' | 'postgres');
  try {
    const repos = createRepos(h.db);
    const acct = await seedAccount(repos, 'tenant');
    // 8 CPUs / 8 GiB per host: room for 8 of these instances each.
    const infra = await seedInfrastructure(repos, { hosts: hostCount, cpus: 8, memoryMiB: 8192 });
    const insts = await seedInstances(repos, infra.zoneId, acct);
    const placement = new PlacementService(repos, systemClock);
    const latencies: number[] = [];
    let next = 0; let failed = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < insts.length) {
        const inst = insts[next++]!;
        const volumeId = newId('volume');
        const op: OperationRow = {
          id: newId('operation'), accountId: acct, kind: 'volume.create', resourceType: 'volume', resourceId: volumeId, status: 'pending', progress: 0, message: 'queued',
          params: '{}', errorCode: null, errorMessage: null, idempotencyKey: null, requestHash: null, createdAt: now(), startedAt: null, finishedAt: null, updatedAt: now(),
          progressDetail: null, cancelRequestedAt: null,
        };
        const t = performance.now();
        try { await placement.placeAndBind(inst, volumePath, volumeId, op); latencies.push(performance.now() - t); } catch { failed++; }
      }
    }));
    const ms = performance.now() - t0;
    const rows = await h.db.selectFrom('hosts').selectAll().execute();
    const bound = await h.db.selectFrom('instances').select(['hostId', (eb) => eb.fn.sum<number>('vcpus').as('vcpus'), (eb) => eb.fn.sum<number>('memoryMiB').as('memoryMiB')])
      .where('hostId', 'is not', null).groupBy('hostId').execute();
    const boundBy = new Map(bound.map((b) => [b.hostId, b]));
    const uses: HostUse[] = rows.map((r) => ({
      name: r.name, cpus: r.cpus, memoryMiB: r.memoryMiB, cpuOvercommit: 1, memoryOvercommit: 1, cpuAllocated: r.cpuAllocated, memoryAllocatedMiB: r.memoryAllocatedMiB,
      boundVcpus: Number(boundBy.get(r.id)?.vcpus ?? 0), boundMemoryMiB: Number(boundBy.get(r.id)?.memoryMiB ?? 0),
    }));
    const overCommit = overCommitted(uses);
    return {
      mode, placed: latencies.length, failed, seconds: Number((ms / 1000).toFixed(2)), perSecond: Math.round((latencies.length / ms) * 1000),
      p50Ms: Number(quantile(latencies, 0.5).toFixed(1)), p99Ms: Number(quantile(latencies, 0.99).toFixed(1)),
      hostsUsed: uses.filter((u) => u.cpuAllocated > 0).length, overCommitted: overCommit.length, overCommitExamples: overCommit.slice(0, 3),
    };
  } finally {
    await h.drop();
  }
}

const runs = [];
for (let r = 0; r < rounds; r++) {
  for (const mode of modes as ('reread' | 'index')[]) {
    runs.push(await oneRun(mode));
    log(JSON.stringify(runs.at(-1)));
  }
}
process.stdout.write(`${JSON.stringify({
  machine: machineReport.finish(),
  bench: 'cluster-placement', settings: { hosts: hostCount, instances: instanceCount, concurrency, rounds, dialect }, runs,
}, null, 2)}\n`);
process.exit(0);
