/**
 * Live migration through Kumo's API (bench/migration/README.md, "Through the API"): two namespace
 * hosts running real `kumo agent --driver qemu` processes and a real `kumo server` process (the
 * mobility e2e harness, packages/e2e/src/testing/namespace-cloud.ts), one tiny guest (256 MiB,
 * 1 vCPU, TCG) moved back and forth with POST /instances/{id}/migrate. Workloads as in
 * migration-bench.ts: idle, and dirty (the guest rewrites a 48 MiB file in /dev/shm in a loop).
 * The zone's migration policy carries the same QEMU parameters as the raw runs: downtime-limit
 * 300 ms, max-bandwidth 128 MiB/s, pre-copy only, no auto-converge.
 *
 * Per run: API wall time (POST migrate → operation succeeded, long-polled), the migration
 * record's createdAt → finishedAt (and → startedAt), and QEMU's total-time / downtime / RAM / passes from
 * GET /instances/{id}/migrations, and when the record reached each state (`apiSteps`). Then, in
 * the same script, migration-bench.ts's raw-QMP and driver runs of the same workloads (on loopback
 * in the root namespace), so both land in one JSON.
 *
 *   node --import tsx bench/migration/api-bench.ts [--runs 3] [--no-raw]     (root)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InstanceMigrationRecord, Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { startNamespaceCloud, type NamespaceCloud } from '../../packages/e2e/src/testing/namespace-cloud.ts';
import { spanMs, summarizeApiRuns, type ApiRun } from './api-stats.ts';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('runs', 3);
const withRaw = !process.argv.includes('--no-raw');
const MiB = 1024 * 1024;
const load = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const log = (s: string): void => { process.stderr.write(`${new Date().toISOString()} ${s}\n`); };

/** The zone's migration policy, written into the server's database (there is no REST route for it). */
async function setPolicy(cloud: NamespaceCloud): Promise<void> {
  const database = await openDatabase({ dataDir: cloud.serverDir });
  try {
    const row = { zoneId: cloud.zoneId, downtimeLimitMs: 300, maxBandwidthMiBPerSec: 128, autoConverge: 0, postcopyAfterPasses: null, timeoutMs: 600_000, retryNextHost: 0, maxPerHost: 2, updatedAt: new Date().toISOString() };
    await database.db.deleteFrom('migrationPolicies').where('zoneId', '=', cloud.zoneId).execute();
    await database.db.insertInto('migrationPolicies').values(row).execute();
  } finally { await database.close(); }
}

/** One move to the other host; its figures from the client's clock and the migrations history. */
/**
 * When the migration record was first seen in each state (preparing, migrating, switching, cleaning,
 * succeeded), ms after the POST: the history is polled every 100 ms beside the operation's long poll
 * (which answers only when the operation ends).
 */
type Step = { atMs: number; state: string };

async function migrateOnce(cloud: NamespaceCloud, instanceId: string): Promise<{ run: ApiRun; steps: Step[] }> {
  const inst = await cloud.client.get<{ hostId: string | null }>('instances', instanceId);
  const hosts = await cloud.client.listAll<{ id: string; name: string }>('hosts');
  const target = hosts.find((h) => h.id !== inst.hostId && (h.name === 'h1' || h.name === 'h2'));
  if (!target) throw new Error(`no other host than ${String(inst.hostId)}: ${JSON.stringify(hosts)}`);
  const t0 = performance.now();
  const op = await cloud.client.request<Operation>('POST', `/api/v1/instances/${instanceId}/migrate`, { body: { hostId: target.id } });
  const steps: Step[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const { items } = await cloud.client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${instanceId}/migrations`).catch(() => ({ items: [] }));
      const state = items.find((m) => m.operationId === op.id)?.state;
      if (state && steps.at(-1)?.state !== state) steps.push({ atMs: Math.round(performance.now() - t0), state });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const done = await cloud.client.waitOperation(op.id, { timeoutMs: 600_000, intervalMs: 100 }).finally(() => { watching = false; });
  const apiWallMs = performance.now() - t0;
  await watcher;
  if (done.status !== 'succeeded') throw new Error(`migration ${op.id} ${done.status}: ${done.message ?? ''}`);
  const { items } = await cloud.client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${instanceId}/migrations`);
  const rec = items.find((m) => m.operationId === op.id && m.state === 'succeeded');
  if (!rec?.result) throw new Error(`operation ${op.id}: no succeeded migration with a result in the history`);
  return {
    steps,
    run: {
      apiWallMs, recordMs: spanMs(rec.createdAt, rec.finishedAt, `migration ${rec.id}`), queuedMs: spanMs(rec.createdAt, rec.startedAt, `migration ${rec.id}`),
      totalMs: rec.result.totalMs, downtimeMs: rec.result.downtimeMs, ramMiB: rec.result.ramTransferredBytes / MiB, passes: rec.result.passes,
    },
  };
}

async function apiWorkload(cloud: NamespaceCloud, workload: 'idle' | 'dirty'): Promise<Array<{ run: ApiRun; steps: Step[] }>> {
  const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true, waitTimeoutSec: 300 },
    body: { name: `bench-${workload}`, zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId, nics: [{ networkId: cloud.networkId }] },
  });
  if (op.status !== 'succeeded' || !op.resourceId) throw new Error(`create: ${op.status} ${op.message ?? ''}`);
  const id = op.resourceId;
  try {
    await cloud.typeInto(id, 'echo READY', /READY\r?\n/, 180_000);
    if (workload === 'dirty') {
      await cloud.typeInto(id, '(while :; do dd if=/dev/urandom of=/dev/shm/f bs=1M count=48 2>/dev/null; done) & echo DIRTY', /DIRTY\r?\n/);
      await new Promise((r) => setTimeout(r, 3000));
    }
    const out: Array<{ run: ApiRun; steps: Step[] }> = [];
    for (let i = 1; i <= runs; i++) {
      const m = await migrateOnce(cloud, id);
      out.push(m);
      const r = m.run;
      log(`api ${workload} run ${i}: wall ${r.apiWallMs.toFixed(0)} ms, QEMU total ${r.totalMs} ms, downtime ${r.downtimeMs} ms (load ${load()})`);
    }
    return out;
  } finally {
    await cloud.client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 120 } }).catch((e: unknown) => log(`delete ${id}: ${String(e)}`));
  }
}

const started = { date: new Date().toISOString(), load: load() };
const api: Record<string, Array<{ run: ApiRun; steps: Step[] }>> = {};
const cloud = await startNamespaceCloud('mig-api-bench');
try {
  await setPolicy(cloud);
  for (const w of ['idle', 'dirty'] as const) api[w] = await apiWorkload(cloud, w);
} finally {
  await cloud.destroy();
}
const apiDone = load();

// Raw QMP and driver figures of the same workloads, right after (same machine, same load window).
let rawJson: unknown = null;
if (withRaw) {
  const script = fileURLToPath(new URL('./migration-bench.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--runs', String(runs), '--workloads', 'idle,dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`migration-bench.ts exited ${String(r.status)}`);
  rawJson = JSON.parse(r.stdout);
}

console.log(JSON.stringify({
  machine: machineReport.finish(),
  ...started, runs, loadAfterApi: apiDone, loadEnd: load(),
  policy: { downtimeLimitMs: 300, maxBandwidthMiBPerSec: 128, autoConverge: false, postcopy: false },
  workloads: Object.fromEntries(Object.entries(api).map(([w, rs]) => [w, { api: summarizeApiRuns(rs.map((r) => r.run)), apiRuns: rs.map((r) => r.run), apiSteps: rs.map((r) => r.steps) }])),
  rawAndDriver: rawJson,
}, null, 2));
