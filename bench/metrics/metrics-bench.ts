/**
 * bench/metrics: the cost of metrics collection and storage. Prints JSON:
 *  1. agent: CPU time of one sampling round over 100 fake instances (counters, rates, host /proc,
 *     and the heartbeat's JSON), as a share of one core at the 10 s interval (target ≤ 1 %);
 *  2. server: API p99 (GET /api/v1/instances/{id} over a socket) idle, and while it ingests
 *     10,000 instances' samples every 10 s (100 hosts' heartbeats spread over each 10 s), through
 *     the same ingest path heartbeats take (target: p99 within 10 % of idle);
 *  3. store: bytes per instance per day (raw rows for a day + 5-minute rollups), from the SQLite
 *     file's growth over the ingested rows.
 *
 *   node --import tsx bench/metrics/metrics-bench.ts [--instances 10000] [--seconds 30] [--rounds 300]
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { newId, type InstanceSpec, type MetricBatch } from '@kumo/core';
import { createRepos, openDatabase, type InstanceRow } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { FakeDriver } from '@kumo/driver-fake';
import { MetricsSampler } from '@kumo/agent';
import { buildServer } from '@kumo/server';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const total = arg('instances', 10_000);
const seconds = arg('seconds', 30);
const rounds = arg('rounds', 300);
const hostsN = 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(2));
}

// 1. Agent: one sampling round over 100 fake instances.
async function agentCost(): Promise<Record<string, number>> {
  const driver = new FakeDriver({ hostname: 'bench' });
  for (let i = 0; i < 100; i++) {
    const spec: InstanceSpec = {
      instanceId: `i-${i}`, name: `vm-${i}`, vcpus: 2, memoryMiB: 512, disks: [], boot: {}, stopTimeoutSec: 1,
      root: { kind: 'disk', disk: { volumeId: `vol-${i}`, path: `/p/${i}`, format: 'qcow2', pciSlot: 0x10, serial: `vol-${i}` } },
      nics: [{ nicId: `nic-${i}`, mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: `t${i}` }, pciSlot: 8 }],
    };
    await driver.start(spec);
  }
  const sampler = new MetricsSampler({ driver, pools: () => Promise.resolve([{ path: '/p', capacityGiB: 100, usedGiB: 10 }]) });
  for (let i = 0; i < 20; i++) { await sampler.sampleOnce(); JSON.stringify(sampler.takeBatch()); } // warm up
  const before = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    await sampler.sampleOnce();
    bytes += JSON.stringify({ type: 'heartbeat', metrics: sampler.takeBatch() }).length;
  }
  const cpu = process.cpuUsage(before);
  const cpuMsPerRound = (cpu.user + cpu.system) / 1000 / rounds;
  await driver.close();
  return {
    rounds, cpuMsPerRound: Number(cpuMsPerRound.toFixed(3)), wallMsPerRound: Number(((performance.now() - t0) / rounds).toFixed(3)),
    coreSharePctAt10s: Number((cpuMsPerRound / 10_000 * 100).toFixed(4)), heartbeatBytesPerRound: Math.round(bytes / rounds),
  };
}

// 2 and 3. Server: API latency idle and under ingest; store size.
async function serverCost(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-bench-metrics-'));
  const database = await openDatabase({ dataDir });
  const server = await buildServer({ database, dataDir, logLevel: 'warn', startController: false });
  try {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await server.ctx.auth.bootstrapAdmin('bench-password');
    const repos = createRepos(database.db);
    const acct = (await database.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
    const infra = await seedInfrastructure(repos, { hosts: hostsN, cpus: 1_000_000, memoryMiB: 1_000_000_000 });
    const now = new Date().toISOString();
    const offeringId = newId('offering');
    await repos.offerings.insert({ id: offeringId, name: 'bench', description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
    const byHost = new Map<string, string[]>();
    const ids: string[] = [];
    for (let i = 0; i < total; i += 1000) {
      const rows: InstanceRow[] = [];
      for (let j = i; j < Math.min(i + 1000, total); j++) {
        const id = newId('instance');
        const hostId = infra.hosts[j % hostsN]!.id;
        ids.push(id);
        byHost.set(hostId, [...(byHost.get(hostId) ?? []), id]);
        rows.push({
          id, accountId: acct, name: `vm-${j}`, zoneId: infra.zoneId, podId: infra.podId, clusterId: infra.clusterId, hostId,
          poolId: infra.poolIds[j % hostsN]!, imageId: null, imageVersionId: null, offeringId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1,
          hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'running', task: null, observedPower: 'running', observedAt: now, errorReason: null,
          excludedHostIds: '[]', version: 3, createdAt: now, updatedAt: now, deletedAt: null,
        });
      }
      await database.db.insertInto('instances').values(rows).execute();
    }
    const login = await (await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-password' }) })).json() as { token: string };
    const headers = { authorization: `Bearer ${login.token}` };
    const latencies = async (ms: number): Promise<number[]> => {
      const out: number[] = [];
      const end = performance.now() + ms;
      let k = 0;
      while (performance.now() < end) {
        const t = performance.now();
        const r = await fetch(`${url}/api/v1/instances/${ids[k++ % ids.length]}`, { headers });
        await r.arrayBuffer();
        out.push(performance.now() - t);
      }
      return out;
    };
    await latencies(2000); // warm up
    const idle = await latencies(seconds * 1000);

    // Ingest: every 10 s, each host's heartbeat with its instances' samples, spread over the 10 s.
    const dbFile = join(dataDir, 'kumo.db');
    const fileBytes = async () => {
      await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(database.db);
      return statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0);
    };
    const sizeBefore = await fileBytes();
    const rowsBefore = await repos.metrics.count();
    let stop = false;
    let ingestMs = 0; let batches = 0; let lag = 0;
    const t0 = Math.floor(Date.now() / 1000);
    const ingestLoop = (async () => {
      const hosts = [...byHost.entries()];
      for (let round = 0; !stop; round++) {
        const roundStart = performance.now();
        for (let h = 0; h < hosts.length && !stop; h++) {
          const [hostId, instIds] = hosts[h]!;
          const at = t0 + round * 10;
          const batch: MetricBatch = {
            host: [{ at, cpuPct: 50, cpuIowaitPct: 1, cpuStealPct: 0, load1: 4, memoryUsedBytes: 2 ** 35, memoryTotalBytes: 2 ** 36, poolUsedPct: 40, netRxBps: 1e6, netTxBps: 1e6, diskReadBps: 1e6, diskWriteBps: 1e6 }],
            instances: instIds.map((id, n) => ({
              instanceId: id, at, cpuPct: (n * 7) % 100, memoryBytes: 2 ** 28, diskReadBps: 4096 * n, diskWriteBps: 8192, diskReadIops: 1, diskWriteIops: 2,
              netRxBps: 1500, netTxBps: 1500, netRxPps: 1, netTxPps: 1, netDropsPs: 0,
            })),
          };
          const frame = JSON.parse(JSON.stringify(batch)) as MetricBatch; // what the gateway would parse
          const s = performance.now();
          await server.metrics.ingest.ingest(hostId, frame);
          ingestMs += performance.now() - s; batches++;
          const due = roundStart + ((h + 1) * 10_000) / hosts.length;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait)); else lag = Math.max(lag, -wait);
        }
      }
    })();
    const loaded = await latencies(seconds * 1000);
    stop = true;
    await ingestLoop;
    const rows = (await repos.metrics.count()) - rowsBefore;
    const bytesPerRow = ((await fileBytes()) - sizeBefore) / rows;
    const perDayRows = 86_400 / 10 + 86_400 / 300;
    return {
      instances: total, hosts: hostsN, secondsEach: seconds,
      idle: { requests: idle.length, p50Ms: pct(idle, 50), p99Ms: pct(idle, 99) },
      ingesting: { requests: loaded.length, p50Ms: pct(loaded, 50), p99Ms: pct(loaded, 99), heartbeats: batches, samplesPerSecond: Math.round((rows) / seconds), ingestMsPerHeartbeat: Number((ingestMs / batches).toFixed(2)), worstLagMs: Math.round(lag) },
      p99ChangePct: Number(((pct(loaded, 99) / pct(idle, 99) - 1) * 100).toFixed(1)),
      store: { rowsWritten: rows, bytesPerRow: Math.round(bytesPerRow), bytesPerInstancePerDay: Math.round(bytesPerRow * perDayRows), bytesPerInstanceSteadyState30d: Math.round(bytesPerRow * (86_400 / 10 + 30 * 86_400 / 300)) },
    };
  } finally {
    await server.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const agent = await agentCost();
const srv = await serverCost();
process.stdout.write(`${JSON.stringify({ machine: machineReport.finish(), bench: 'metrics', at: new Date().toISOString(), agentPer100Instances: agent, server: srv }, null, 2)}\n`);
