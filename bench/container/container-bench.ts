/**
 * bench/container: system containers through Kumo next to the same container by hand.
 *   launch      = POST /instances?wait=true (API call → the container's init runs; the operation
 *                 succeeds only once the driver saw init running)     vs  lxc-start (returns once init runs)
 *   stop+delete = DELETE /instances/{id}?wait=true (the driver's destroy: lxc-stop -k, its directory
 *                 and cgroups removed; capacity and NICs released)   vs  lxc-stop -k + rm -rf of its directory
 * The by-hand container has the config Kumo writes (renderLxcConfig), the same unpacked tiny-ct base
 * and an overlay upper of its own: the difference is the control plane. Runs alternate; p50 of each.
 * Density (figures only): memory of idle containers (their memory cgroups) vs idle tiny VMs (QEMU PSS
 * after KUMO-BOOT-OK), and how many of each the machine's available memory holds.
 * Needs root, lxc, uidmap, busybox-static (and QEMU for the VM side of density).
 *
 *   node --import tsx bench/container/container-bench.ts [--runs 10] [--density 10]
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KumoClient, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud } from '@kumo/server';
import { AgentClient, createLxcHost } from '@kumo/agent';
import { buildQemuArgv } from '@kumo/driver-qemu';
import { busyboxInitSignals, containerPaths, defaultIdMap, ensureRootfsBase, renderLxcConfig, LxcDriver } from '@kumo/driver-lxc';
import { buildTinyImage } from '@kumo/image-tiny';
import { ensureTinyCtImage } from '@kumo/kumo/tiny-image';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(name) + 1] || dflt) || dflt;
const runs = arg('--runs', 10);
const density = arg('--density', 10);
const work = mkdtempSync('/var/tmp/kumo-bench-ct-');
chmodSync(work, 0o711);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };
const round = (x: number) => Math.round(x * 10) / 10;
const load = [loadavg()[0]!];

const database = await openDatabase({ dataDir: join(work, 'server') });
const server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'error' });
await server.app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
await server.ctx.auth.bootstrapAdmin('bench-password');
const client = new KumoClient({ baseUrl: url, token: (await server.ctx.auth.login('admin', 'bench-password')).token });
const cloud = await seedDefaultCloud(server.ctx, 'lxc');
await server.start();
const imageId = await ensureTinyCtImage(client, join(work, 'images'), () => undefined);
const holder: { agent?: AgentClient } = {};
const stateDir = join(work, 'agent');
const host = createLxcHost({ stateDir, serverUrl: url, token: () => holder.agent?.currentToken() });
const agent = new AgentClient({
  serverUrl: url, token: (await createJoinToken(server.ctx, cloud.clusterId)).token, hostName: 'bench', address: '127.0.0.1',
  driver: host.driver, volumes: host.volumes, prepareStart: host.prepareStart, network: host.network,
});
holder.agent = agent;
agent.start();
await agent.connected();

const launchApi: number[] = []; const stopApi: number[] = []; const launchHand: number[] = []; const stopHand: number[] = [];

async function viaApi(i: number): Promise<void> {
  const t0 = performance.now();
  const op = await client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true, waitTimeoutSec: 60 }, body: { name: `ct-${i}`, zoneId: cloud.zoneId, imageId, offeringId: cloud.offeringIds.small, nics: [] },
  });
  const t1 = performance.now();
  if (op.status !== 'succeeded') throw new Error(`create ct-${i}: ${op.status} ${op.message ?? ''}`);
  const del = await client.request<Operation>('DELETE', `/api/v1/instances/${op.resourceId}`, { query: { wait: true, waitTimeoutSec: 60 } });
  const t2 = performance.now();
  if (del.status !== 'succeeded') throw new Error(`delete ct-${i}: ${del.status} ${del.message ?? ''}`);
  if (i > 0) { launchApi.push(t1 - t0); stopApi.push(t2 - t1); } // the first run unpacks the base
}

const handPath = join(work, 'hand');
const lxc = (tool: string, id: string, ...args: string[]) => execFileSync(tool, ['-P', handPath, '-n', id, ...args], { stdio: 'ignore' });
const base = await ensureRootfsBase({ tarball: join(work, 'images', 'tiny-ct.tar'), baseDir: join(work, 'hand-base'), key: 'tiny-ct', idmap: defaultIdMap });

/** The same container by hand: Kumo's config, lxc-start, then lxc-stop -k (what a delete does) and rm -rf. */
function byHand(i: number): void {
  const id = `hand-${i}`;
  const paths = containerPaths(handPath, id);
  const t0 = performance.now();
  mkdirSync(paths.upper, { recursive: true });
  execFileSync('chown', ['-R', `${defaultIdMap.hostUid}:${defaultIdMap.hostGid}`, paths.delta]);
  writeFileSync(paths.config, renderLxcConfig({
    instanceId: id, name: id, vcpus: 1, memoryMiB: 256, root: { kind: 'rootfs', path: base }, disks: [], nics: [], boot: {}, stopTimeoutSec: 30,
  }, paths, { idmap: defaultIdMap, cgroup: 'v1', init: busyboxInitSignals, pidsMax: 4096, consoleLogBytes: 1024 * 1024 }));
  lxc('lxc-start', id);
  const t1 = performance.now();
  lxc('lxc-stop', id, '-k');
  rmSync(paths.dir, { recursive: true, force: true });
  const t2 = performance.now();
  launchHand.push(t1 - t0); stopHand.push(t2 - t1);
}

mkdirSync(handPath, { recursive: true });
chmodSync(handPath, 0o711);
await viaApi(0); // warm-up: the agent downloads and unpacks tiny-ct
for (let i = 1; i <= runs; i++) {
  await viaApi(i);
  byHand(i);
  load.push(loadavg()[0]!);
}

// ---- density: idle containers (memory cgroups) vs idle tiny VMs (QEMU PSS)
const memAvailableMiB = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
const driver = new LxcDriver({ lxcPath: join(work, 'density') });
const ids = Array.from({ length: density }, (_, i) => `dens-${i}`);
for (const id of ids) await driver.start({ instanceId: id, name: id, vcpus: 1, memoryMiB: 256, root: { kind: 'rootfs', path: base }, disks: [], nics: [], boot: {}, stopTimeoutSec: 10 });
await new Promise((r) => setTimeout(r, 3000)); // idle
const cgroupBytes = (id: string) => Number(readFileSync(`/sys/fs/cgroup/memory/lxc.payload.${id}/memory.usage_in_bytes`, 'utf8'));
const monitorPss = (): number => {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(work, 'density'))) continue;
      kib += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kib / 1024;
};
const ctCgroupMiB = ids.map((id) => cgroupBytes(id) / 2 ** 20);
const ctMonitorsMiB = monitorPss();
const perContainerMiB = (ctCgroupMiB.reduce((a, b) => a + b, 0) + ctMonitorsMiB) / density;
for (const id of ids) await driver.destroy(id);
await driver.close();

const tinyDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');
const tiny = await buildTinyImage({ outDir: tinyDir });
const vmCount = Math.min(density, 3); // TCG boots are slow: a few are enough for a per-VM figure
const vmPss: number[] = [];
const qemus = [];
for (let i = 0; i < vmCount; i++) {
  const dir = join(work, `vm-${i}`);
  mkdirSync(dir, { recursive: true });
  const disk = join(dir, 'root.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', tiny.rootDisk, disk, '2G']);
  const argv = buildQemuArgv({
    instanceId: `i-dens${i}`, name: `dens-${i}`, vcpus: 1, memoryMiB: 256, nics: [], stopTimeoutSec: 5,
    root: { kind: 'disk', disk: { volumeId: 'vol-dens', path: disk, format: 'qcow2', pciSlot: 0x10, serial: 'vol-dens' } }, disks: [],
    boot: { kernelPath: tiny.kernel, initrdPath: tiny.initrd, cmdline: `${tiny.cmdline} kumo_hostname=dens-${i}` },
  }, { accel: 'tcg', runDir: dir });
  const args: string[] = []; // as bench/boot: no -S, the serial console on stdio
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '-S' || a === '-daemonize') continue;
    if (a === '-chardev' && argv[k + 1]?.includes('id=serial0')) { args.push('-chardev', 'stdio,id=serial0,signal=off'); k++; continue; }
    args.push(a);
  }
  const q = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  qemus.push(q);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error('no boot marker in 180 s')), 180_000);
    q.stdout.on('data', (d: Buffer) => { seen += d.toString(); if (seen.includes('KUMO-BOOT-OK')) { clearTimeout(t); resolve(); } });
  });
}
await new Promise((r) => setTimeout(r, 3000)); // idle
for (const q of qemus) vmPss.push(Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${q.pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024);
for (const q of qemus) q.kill('SIGKILL');
const perVmMiB = vmPss.reduce((a, b) => a + b, 0) / vmPss.length;
const available = memAvailableMiB();

console.log(JSON.stringify({
  machine: machineReport.finish(),
  bench: 'container', runs, loadavg1: { min: round(Math.min(...load)), max: round(Math.max(...load)) },
  launchMs: { kumoApiP50: round(median(launchApi)), lxcStartByHandP50: round(median(launchHand)), overheadP50: round(median(launchApi) - median(launchHand)) },
  stopDeleteMs: { kumoApiP50: round(median(stopApi)), lxcStopByHandP50: round(median(stopHand)), overheadP50: round(median(stopApi) - median(stopHand)) },
  raw: { launchApi: launchApi.map(round), launchHand: launchHand.map(round), stopApi: stopApi.map(round), stopHand: stopHand.map(round) },
  density: {
    containers: density, perContainerMiB: round(perContainerMiB), containerCgroupMiB: ctCgroupMiB.map(round), lxcMonitorsMiB: round(ctMonitorsMiB),
    tinyVms: vmPss.length, perTinyVmMiB: round(perVmMiB), tinyVmGuestMemoryMiB: 256,
    memAvailableMiB: Math.round(available), fitContainers: Math.floor(available / perContainerMiB), fitTinyVms: Math.floor(available / perVmMiB),
  },
}, null, 2));

await agent.close();
await server.close();
await database.close();
rmSync(work, { recursive: true, force: true });
process.exit(0);
