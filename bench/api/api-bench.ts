/**
 * bench/api: the REST API with 100,000 instances in the store (SQLite).
 * Prints JSON: first page of GET /api/v1/instances (p50/p99; by id, and newest first as the web UI
 * asks), walking every page (`--walks` times; the median counts), and GET /api/v1/instances/{id}
 * requests per second on loopback. The server runs in its own process.
 *
 *   node --import tsx bench/api/api-bench.ts [--instances 100000] [--walks 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@kumo/core';
import { createRepos, openDatabase, type InstanceRow } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { ServerProcess, freePort } from '../../packages/e2e/src/testing/server-process.ts';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const total = arg('instances', 100_000);
const seconds = arg('seconds', 5);
const concurrency = arg('concurrency', 16);
const walks = arg('walks', 3);

/** GET /api/v1/instances/{id} over 1,000 ids with wrk; null when wrk is not installed. */
function runWrk(base: string, token: string, ids: string[], connections: number, secs: number): { perSecond: number; p50Ms: number; p99Ms: number; non2xx: number } | null {
  if (spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status !== 0) return null;
  const script = join(dataDir, 'get-by-id.lua');
  writeFileSync(script, [
    `local ids = { ${ids.slice(0, 1000).map((i) => `"${i}"`).join(', ')} }`,
    'local n = 0',
    'request = function()',
    '  n = n + 1',
    `  return wrk.format("GET", "/api/v1/instances/" .. ids[(n % #ids) + 1], { ["authorization"] = "Bearer ${token}" })`,
    'end',
  ].join('\n'));
  const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${secs}s`, '--latency', '-s', script, base], { encoding: 'utf8' }).stdout;
  const ms = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return Number((m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v).toFixed(2));
  };
  return {
    perSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)),
    p50Ms: ms('50%'), p99Ms: ms('99%'),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(2));
}

const dataDir = mkdtempSync(join(tmpdir(), 'kumo-bench-api-'));
const srv = new ServerProcess(dataDir, await freePort());
try {
  // Seed straight into the database: the bench measures reads, not creates.
  const seedStart = performance.now();
  const h = await openDatabase({ dataDir });
  const repos = createRepos(h.db);
  await srv.start(); // creates the admin account, then we add rows beside it
  const acct = (await h.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
  const infra = await seedInfrastructure(repos, { hosts: 100, cpus: 1_000_000, memoryMiB: 1_000_000_000 });
  const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
  const now = new Date().toISOString();
  await repos.images.insert({ id: imageId, accountId: acct, name: 'bench', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
  await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
  await repos.offerings.insert({ id: offeringId, name: 'bench', description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
  const ids: string[] = [];
  for (let i = 0; i < total; i += 1000) {
    const rows: InstanceRow[] = [];
    for (let j = i; j < Math.min(i + 1000, total); j++) {
      const id = newId('instance');
      ids.push(id);
      rows.push({
        id, accountId: acct, name: `vm-${j}`, zoneId: infra.zoneId, podId: infra.podId, clusterId: infra.clusterId, hostId: infra.hosts[j % 100]!.id,
        poolId: infra.poolIds[j % 100]!, imageId, imageVersionId: versionId, offeringId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1,
        hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'running', task: null, observedPower: 'running', observedAt: now, errorReason: null,
        excludedHostIds: '[]', version: 3, createdAt: now, updatedAt: now, deletedAt: null,
      });
    }
    await h.db.insertInto('instances').values(rows).execute();
  }
  await h.close();
  const seedMs = performance.now() - seedStart;

  const login = await (await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'kill-test-password' }) })).json() as { token: string };
  const headers = { authorization: `Bearer ${login.token}` };
  const get = async (path: string) => {
    const r = await fetch(`${srv.url}${path}`, { headers });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r.json() as Promise<{ items?: unknown[]; nextCursor?: string | null }>;
  };

  // The seeded hosts have no agent, so the controller's first host check (10 s after start) marks all
  // 100 disconnected: a few hundred ms of server work that slowed whichever phase it fell in (get-by-id
  // p99 50 ms instead of 6). Let it pass before measuring anything.
  const settleBy = Date.now() + 30_000;
  while ((await get('/api/v1/hosts?state=up&limit=1000')).items?.length) {
    if (Date.now() > settleBy) throw new Error('seeded hosts still up 30 s after start');
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));

  // 1. first page (default limit 100), sequential requests
  for (let i = 0; i < 20; i++) await get('/api/v1/instances'); // warm up
  const firstPage: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await get('/api/v1/instances');
    firstPage.push(performance.now() - t);
  }

  // 1b. first page newest first, the web UI's default order (sorted by a column other than the key)
  const newest: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await get('/api/v1/instances?sort=-createdAt');
    newest.push(performance.now() - t);
  }

  // 2. walk every page at limit=1000 (the API's maximum, as the client's listAll does)
  const walkMs: number[] = []; let pages = 0;
  for (let w = 0; w < walks; w++) {
    const walkStart = performance.now();
    let cursor: string | null | undefined = null; let seen = 0; pages = 0;
    do {
      const page = await get(`/api/v1/instances?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen += page.items?.length ?? 0; pages++;
      cursor = page.nextCursor;
    } while (cursor);
    walkMs.push(performance.now() - walkStart);
    if (seen !== total) throw new Error(`walk saw ${seen} of ${total}`);
  }

  // 3. GET by id on loopback: wrk (a C load generator) when installed, else `concurrency` fetch loops.
  const wrkResult = runWrk(srv.url, login.token, ids, concurrency, seconds);
  let done = 0;
  const lat: number[] = [];
  const end = Date.now() + seconds * 1000;
  if (!wrkResult) await Promise.all(Array.from({ length: concurrency }, async (_, k) => {
    let i = k;
    while (Date.now() < end) {
      const t = performance.now();
      await get(`/api/v1/instances/${ids[(i * 7919) % ids.length]}`);
      lat.push(performance.now() - t);
      done++; i++;
    }
  }));

  console.log(JSON.stringify({
    machine: machineReport.finish(),
    bench: 'api', instances: total, seedSeconds: Number((seedMs / 1000).toFixed(1)),
    firstPage: { limit: 100, samples: firstPage.length, p50Ms: pct(firstPage, 50), p99Ms: pct(firstPage, 99), targetP50Ms: 20 },
    firstPageNewest: { sort: '-createdAt', limit: 100, samples: newest.length, p50Ms: pct(newest, 50), p99Ms: pct(newest, 99) },
    walkAllPages: { limit: 1000, pages, seconds: Number((pct(walkMs, 50) / 1000).toFixed(2)), runs: walkMs.map((ms) => Number((ms / 1000).toFixed(2))), targetSeconds: 2 },
    getById: wrkResult
      ? { loadGenerator: 'wrk', connections: concurrency, seconds, ...wrkResult, targetPerSecond: 5000 }
      : { loadGenerator: 'node fetch (install wrk for a lighter client)', concurrency, seconds, requests: done, perSecond: Math.round(done / seconds), p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), targetPerSecond: 5000 },
  }, null, 2));
} finally {
  await srv.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
