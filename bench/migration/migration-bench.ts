/**
 * Live migration, by hand with raw QMP vs through the QEMU driver, side by side in one run
 * (bench/README.md, "Live migration"). Two tiny guests with the same spec (256 MiB, 1 vCPU, TCG)
 * move back and forth on loopback, runs interleaved:
 *   idle        shared storage, the guest idle
 *   dirty       shared storage, the guest rewriting a 48 MiB file in /dev/shm in a loop
 *   local-disk  no shared storage: root overlay + a 1 GiB raw data disk full of data, mirrored
 *               over NBD (by hand: drive-mirror to nbd:…:exportname=…, as in PLATFORM.md §3.2)
 * Both paths use the same QEMU parameters: downtime-limit 300 ms, max-bandwidth 128 MiB/s (QEMU's
 * defaults), pre-copy only. Wall time: from starting the target QEMU to the target running.
 * Through-the-API figures (agents, jobs, the server's orchestration) are measured by the server
 * side's bench; its hook is `node --import tsx bench/migration/migration-bench.ts --json` output
 * keys `raw` and `driver`, to which it adds `api`.
 *
 *   node --import tsx bench/migration/migration-bench.ts [--runs 3] [--disk-mib 1024] [--workloads idle,dirty,local-disk]   (root)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { InstanceSpec, MigrationPolicy } from '@kumo/core';
import { QemuDriver, buildQemuArgv, connectQmpWithRetry, type QmpClient } from '@kumo/driver-qemu';
import { buildTinyImage } from '@kumo/image-tiny';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('runs', 3);
const diskMiB = arg('disk-mib', 1024);
const ALL_WORKLOADS = ['idle', 'dirty', 'local-disk'] as const;
const wi = process.argv.indexOf('--workloads');
const workloads = wi > 0 ? ALL_WORKLOADS.filter((w) => process.argv[wi + 1]!.split(',').includes(w)) : [...ALL_WORKLOADS];
const MiB = 1024 * 1024;
const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 128 * MiB, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 600_000 };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN; };

const tiny = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
const work = mkdtempSync('/var/tmp/kumo-mig-bench-');
let seq = 0;

function overlay(path: string): string {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', tiny.rootDisk, path]);
  return path;
}
function dataDisk(path: string, fill: boolean): string {
  execFileSync('truncate', ['-s', `${diskMiB}M`, path]);
  if (fill) execFileSync('dd', ['if=/dev/urandom', `of=${path}`, 'bs=4M', `count=${diskMiB / 4}`, 'conv=notrunc', 'status=none']);
  return path;
}
function spec(id: string, root: string, data?: string): InstanceSpec {
  return {
    instanceId: id, name: id, vcpus: 1, memoryMiB: 256, nics: [], stopTimeoutSec: 5,
    root: { kind: 'disk', disk: { volumeId: `vol-${id}-root`, path: root, format: 'qcow2', pciSlot: 0x10, serial: 'root' } },
    disks: data ? [{ volumeId: `vol-${id}-data`, path: data, format: 'raw', pciSlot: 0x11, serial: 'data' }] : [],
    boot: { kernelPath: tiny.kernel, initrdPath: tiny.initrd, cmdline: `${tiny.cmdline} kumo_hostname=${id}` },
  };
}

// ---- by hand: the driver's argv, raw QMP -------------------------------------------------------
interface Raw { dir: string; proc: ChildProcess; qmp: QmpClient; spec: InstanceSpec }

async function rawStart(s: InstanceSpec, incoming: boolean): Promise<Raw> {
  const dir = join(work, `raw-${++seq}`);
  mkdirSync(dir, { recursive: true });
  const argv = buildQemuArgv(s, { accel: 'tcg', runDir: dir, ...(incoming ? { incoming: 'defer' } : {}) });
  const proc = spawn('qemu-system-x86_64', argv, { stdio: 'ignore' });
  const qmp = await connectQmpWithRetry(join(dir, 'qmp.sock'), { deadlineMs: 30_000 });
  return { dir, proc, qmp, spec: s };
}
async function rawQuit(r: Raw): Promise<void> {
  await r.qmp.execute('quit').catch(() => {});
  await new Promise((res) => (r.proc.exitCode !== null ? res(null) : r.proc.once('exit', res)));
  rmSync(r.dir, { recursive: true, force: true });
}
function consoleOf(dir: string): string {
  try { return readFileSync(join(dir, 'console.log'), 'latin1'); } catch { return ''; }
}
async function rawType(r: Raw, text: string): Promise<void> {
  const sock = connect(join(r.dir, 'serial.sock'));
  await new Promise((res) => sock.once('connect', res));
  sock.write(text);
  await sleep(200);
  sock.destroy();
}

interface Figures { wallMs: number; totalMs: number; downtimeMs: number; ramMiB: number; passes: number; mirrorMs?: number }

async function rawMigrate(src: Raw, to: InstanceSpec, disks: string[]): Promise<{ target: Raw; f: Figures }> {
  const t0 = performance.now();
  const dst = await rawStart(to, true);
  await dst.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
  const nbdPort = 49000 + (seq % 400);
  if (disks.length) {
    await dst.qmp.execute('nbd-server-start', { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(nbdPort) } } });
    for (const v of disks) await dst.qmp.execute('nbd-server-add', { device: `f-${v}`, name: v, writable: true });
  }
  await dst.qmp.execute('migrate-incoming', { uri: 'tcp:127.0.0.1:0' });
  const port = (await dst.qmp.execute<{ 'socket-address': Array<{ port: string }> }>('query-migrate'))['socket-address'][0]!.port;
  let mirrorMs: number | undefined;
  if (disks.length) {
    const m0 = performance.now();
    for (const v of disks) {
      await src.qmp.execute('drive-mirror', { device: `t-${v}`, target: `nbd:127.0.0.1:${nbdPort}:exportname=${v}`, sync: 'top', mode: 'existing', format: 'raw', 'job-id': `m-${v}` });
    }
    for (;;) {
      const jobs = await src.qmp.execute<Array<{ ready: boolean }>>('query-block-jobs');
      if (jobs.length === disks.length && jobs.every((j) => j.ready)) break;
      await sleep(100);
    }
    mirrorMs = performance.now() - m0;
  }
  await src.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
  await src.qmp.execute('migrate-set-parameters', { 'downtime-limit': policy.downtimeLimitMs, 'max-bandwidth': policy.maxBandwidthBytesPerSec });
  await src.qmp.execute('migrate', { uri: `tcp:127.0.0.1:${port}` });
  let q: { status: string; 'total-time'?: number; downtime?: number; ram?: { transferred: number; 'dirty-sync-count': number } };
  for (;;) {
    q = await src.qmp.execute('query-migrate');
    if (q.status === 'completed') break;
    if (q.status === 'failed') throw new Error('raw migration failed');
    await sleep(100);
  }
  for (const v of disks) await src.qmp.execute('block-job-cancel', { device: `m-${v}`, force: true });
  for (;;) {
    if ((await dst.qmp.execute<{ status: string }>('query-migrate')).status === 'completed') break;
    await sleep(20);
  }
  if (disks.length) await dst.qmp.execute('nbd-server-stop');
  await dst.qmp.execute('cont');
  const wallMs = performance.now() - t0;
  await rawQuit(src);
  return { target: dst, f: { wallMs, totalMs: q['total-time'] ?? 0, downtimeMs: q.downtime ?? 0, ramMiB: (q.ram?.transferred ?? 0) / MiB, passes: q.ram?.['dirty-sync-count'] ?? 0, ...(mirrorMs !== undefined ? { mirrorMs } : {}) } };
}

// ---- through the driver: two drivers = two hosts -----------------------------------------------
const hostA = new QemuDriver({ stateDir: join(work, 'host-a'), accel: 'tcg', cgroupParent: 'kumo-migbench-a', logger: quiet });
const hostB = new QemuDriver({ stateDir: join(work, 'host-b'), accel: 'tcg', cgroupParent: 'kumo-migbench-b', logger: quiet });

async function driverMigrate(from: QemuDriver, to: QemuDriver, target: InstanceSpec, disks: string[]): Promise<Figures> {
  const t0 = performance.now();
  const endpoint = await to.prepareIncoming(target, { listenAddress: '127.0.0.1', receiveDisks: disks, postcopy: false });
  let mirrorMs: number | undefined;
  const m0 = performance.now();
  const r = await from.migrate(target.instanceId, endpoint, policy, {
    onProgress: (p) => { if (disks.length && mirrorMs === undefined && p.migration?.stage === 'pre-copy') mirrorMs = performance.now() - m0; },
  });
  await to.finishIncoming(target.instanceId, { timeoutMs: 60_000 });
  const wallMs = performance.now() - t0;
  await from.destroy(target.instanceId);
  return { wallMs, totalMs: r.totalMs, downtimeMs: r.downtimeMs, ramMiB: r.ramTransferredBytes / MiB, passes: r.passes, ...(mirrorMs !== undefined ? { mirrorMs } : {}) };
}

async function waitBoot(read: () => Promise<string> | string): Promise<void> {
  const end = Date.now() + 180_000;
  while (!(await read()).includes('KUMO-BOOT-OK')) {
    if (Date.now() > end) throw new Error('no boot marker in 180 s');
    await sleep(200);
  }
}

const results: Record<string, { raw: Figures[]; driver: Figures[] }> = {};
try {
  for (const workload of workloads) {
    const local = workload === 'local-disk';
    const files = (who: string, n: number): { root: string; data?: string } => ({
      root: local ? overlay(join(work, `${who}-root-${n}.qcow2`)) : join(work, `${who}-root-shared.qcow2`),
      ...(local ? { data: dataDisk(join(work, `${who}-data-${n}.raw`), n === 0) } : {}),
    });
    if (!local) { overlay(join(work, 'raw-root-shared.qcow2')); overlay(join(work, 'drv-root-shared.qcow2')); }
    const rf = files('raw', 0); const df = files('drv', 0);
    let raw = await rawStart(spec('i-raw', rf.root, rf.data), false);
    await raw.qmp.execute('cont');
    await hostA.start(spec('i-drv', df.root, df.data));
    await waitBoot(() => consoleOf(raw.dir));
    await waitBoot(async () => (await hostA.consoleLog('i-drv')).toString('latin1'));
    if (workload === 'dirty') {
      const loop = '(while :; do dd if=/dev/urandom of=/dev/shm/f bs=1M count=48 2>/dev/null; done) &\n';
      await rawType(raw, loop);
      await hostA.consoleWrite('i-drv', Buffer.from(loop));
      await sleep(3000);
    }
    const disksOf = (id: string): string[] => (local ? [`vol-${id}-root`, `vol-${id}-data`] : []);
    results[workload] = { raw: [], driver: [] };
    let from = hostA; let to = hostB;
    for (let i = 1; i <= runs; i++) {
      const rn = files('raw', i); const dn = files('drv', i);
      const r = await rawMigrate(raw, spec('i-raw', rn.root, rn.data), disksOf('i-raw'));
      raw = r.target;
      results[workload].raw.push(r.f);
      results[workload].driver.push(await driverMigrate(from, to, spec('i-drv', dn.root, dn.data), disksOf('i-drv')));
      [from, to] = [to, from];
      process.stderr.write(`${workload} run ${i}: raw ${r.f.wallMs.toFixed(0)} ms, driver ${results[workload].driver.at(-1)!.wallMs.toFixed(0)} ms\n`);
    }
    await rawQuit(raw);
    await from.destroy('i-drv');
  }
} finally {
  for (const d of [hostA, hostB]) { await d.destroy('i-drv').catch(() => {}); await d.close(); }
  for (const g of ['kumo-migbench-a', 'kumo-migbench-b']) {
    for (const c of ['cpu', 'cpuacct', 'memory', 'pids']) { try { execFileSync('rmdir', [`/sys/fs/cgroup/${c}/${g}`], { stdio: 'ignore' }); } catch { /* not there */ } }
  }
  rmSync(work, { recursive: true, force: true });
}

const summary = (fs: Figures[]): Record<string, number> => ({
  wallMsP50: Math.round(median(fs.map((f) => f.wallMs))),
  totalMsP50: median(fs.map((f) => f.totalMs)),
  downtimeMsP50: median(fs.map((f) => f.downtimeMs)),
  ramMiBP50: Math.round(median(fs.map((f) => f.ramMiB))),
  passesP50: median(fs.map((f) => f.passes)),
  ...(fs[0]?.mirrorMs !== undefined ? { mirrorMsP50: Math.round(median(fs.map((f) => f.mirrorMs ?? NaN))) } : {}),
});
console.log(JSON.stringify({
  machine: machineReport.finish(),
  date: new Date().toISOString(), runs, diskMiB, policy, load: readFileSync('/proc/loadavg', 'utf8').trim(),
  workloads: Object.fromEntries(Object.entries(results).map(([w, r]) => [w, { raw: summary(r.raw), driver: summary(r.driver), rawRuns: r.raw, driverRuns: r.driver }])),
}, null, 2));
