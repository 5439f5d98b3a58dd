/**
 * bench/auth: is the server still responsive while clients hammer the login with wrong passwords?
 * Measures GET /api/v1/health latency (one prober process, a request every 5 ms) alone, then while 8
 * clients send wrong-password logins as fast as they can. Phase "hashing" raises the login rate
 * limits so every attempt runs a full scrypt (the cost the event loop must not carry); phase
 * "limited" uses the default limits (most attempts answered 429 without hashing).
 * The server runs as its own process (`kumo server`); `--repo DIR` runs another checkout's server
 * (a before/after comparison). Prints JSON.
 *
 *   node --import tsx bench/auth/auth-bench.ts [--seconds 10] [--clients 8] [--repo /path/to/kumo]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/e2e/src/testing/server-process.ts';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? def : def;
};
const seconds = Number(arg('seconds', '10'));
const clients = Number(arg('clients', '8'));
const repo = arg('repo', fileURLToPath(new URL('../../', import.meta.url)));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(2));
}
const summary = (xs: number[]) => ({ n: xs.length, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99), maxMs: Number(Math.max(0, ...xs).toFixed(2)) });

async function startServer(dataDir: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/kumo/src/main.ts', 'server', '--port', String(port), '--data-dir', dataDir], {
    cwd: repo, env: { ...process.env, KUMO_ADMIN_PASSWORD: 'bench-admin-password', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { if ((await fetch(`${url}/api/v1/health`)).ok) return { url, child }; } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    if (Date.now() > deadline) throw new Error(`server did not come up: ${err}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 5000).unref(); });
}

/**
 * /health every 5 ms (one at a time) for `ms`, from a separate Node process: the hammering clients
 * below share this process's event loop, and their queueing must not count as server latency.
 */
const proberSource = `
const [url, ms] = process.argv.slice(1);
const until = Date.now() + Number(ms);
const lat = [];
(async () => {
  while (Date.now() < until) {
    const t = performance.now();
    const r = await fetch(url + '/api/v1/health');
    await r.arrayBuffer();
    lat.push(performance.now() - t);
    await new Promise((res) => setTimeout(res, 5));
  }
  process.stdout.write(JSON.stringify(lat));
})();
`;

async function probe(url: string, ms: number): Promise<number[]> {
  const child = spawn(process.execPath, ['-e', proberSource, url, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`prober exited ${code}`)))));
  return JSON.parse(out) as number[];
}

/** `clients` loops of wrong-password logins until `until`; counts answers by status. */
async function hammer(url: string, until: number): Promise<{ attempts: number; perSecond: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  const start = Date.now();
  let attempts = 0;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let i = 0;
    while (Date.now() < until) {
      const r = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: `wrong-${c}-${i++}` }),
      });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      attempts++;
    }
  }));
  return { attempts, perSecond: Math.round(attempts / ((Date.now() - start) / 1000)), statuses };
}

async function phase(name: string, env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), `kumo-bench-auth-${name}-`));
  const { url, child } = await startServer(dataDir, env);
  try {
    await probe(url, 1000); // warm-up
    const baseline = summary(await probe(url, 3000));
    const [health, logins] = await Promise.all([probe(url, seconds * 1000), hammer(url, Date.now() + seconds * 1000)]);
    return { baseline, underLoginLoad: summary(health), logins };
  } finally {
    await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const noLimits = { KUMO_LOGIN_LIMIT_PER_USER: '100000000', KUMO_LOGIN_LIMIT_PER_ADDRESS: '100000000' };
const hashing = await phase('hashing', noLimits);
const limited = await phase('limited', {});
console.log(JSON.stringify({
  machine: machineReport.finish(),
  bench: 'auth', repo, clients, seconds, loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  target: { healthP99MsUnderLoginLoad: 20 },
  hashing, limited,
}, null, 2));
