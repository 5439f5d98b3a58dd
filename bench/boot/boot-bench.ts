/**
 * bench/boot: control-plane overhead of starting a guest.
 *   overhead = (API call → KUMO-BOOT-OK on the serial console) − (the same QEMU command by hand → KUMO-BOOT-OK)
 * p50 over N runs of each, interleaved (TCG boot time varies ±20 % run to run). Needs root and QEMU.
 *
 *   node --import tsx bench/boot/boot-bench.ts [--runs 10]
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { KumoClient, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud } from '@kumo/server';
import { AgentClient, createQemuHost } from '@kumo/agent';
import { buildQemuArgv } from '@kumo/driver-qemu';
import { buildTinyImage } from '@kumo/image-tiny';
import { ensureTinyImage } from '@kumo/kumo/tiny-image';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 10) || 10;
const marker = 'KUMO-BOOT-OK';
const work = mkdtempSync('/var/tmp/kumo-bench-boot-');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };

const tinyDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');
const tiny = await buildTinyImage({ outDir: tinyDir });
const database = await openDatabase({ dataDir: join(work, 'server') });
const server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn' });
await server.app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
await server.ctx.auth.bootstrapAdmin('bench-password');
const client = new KumoClient({ baseUrl: url, token: (await server.ctx.auth.login('admin', 'bench-password')).token });
const cloud = await seedDefaultCloud(server.ctx, 'qemu');
await server.start();
const image = { id: await ensureTinyImage(client, work, () => undefined, tinyDir) };
const holder: { agent?: AgentClient } = {};
const host = createQemuHost({ stateDir: join(work, 'agent'), serverUrl: url, token: () => holder.agent?.currentToken() });
const agent = new AgentClient({ serverUrl: url, token: (await createJoinToken(server.ctx, cloud.clusterId)).token, hostName: 'bench', address: '127.0.0.1', driver: host.driver, volumes: host.volumes, prepareStart: host.prepareStart });
holder.agent = agent;
agent.start();
await agent.connected();

/** Through the API: create → wait for the marker on the console WebSocket. */
async function viaApi(i: number): Promise<number> {
  const t0 = performance.now();
  const op = await client.create<Operation>('instances', { name: `bench-${i}`, zoneId: cloud.zoneId, imageId: image.id, offeringId: cloud.offeringIds.small });
  const id = op.resourceId;
  let seen = '';
  const t1 = await new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('no boot marker in 120 s')), 120_000);
    const connect = () => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${id}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
      ws.on('message', (d: Buffer) => { seen += d.toString(); if (seen.includes(marker)) { clearTimeout(deadline); ws.close(); resolve(performance.now()); } });
      ws.on('close', () => { if (!seen.includes(marker)) setTimeout(connect, 5); });
      ws.on('error', () => undefined);
    };
    connect();
  });
  const done = await client.waitOperation(op.id);
  opMs.push(Date.parse(done.finishedAt ?? done.updatedAt) - Date.parse(done.createdAt));
  await client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true } });
  return t1 - t0;
}
const opMs: number[] = [];

/** By hand: the argv the driver would use, serial on stdio, no -S, on a fresh linked clone. */
async function byHand(i: number): Promise<number> {
  const dir = join(work, `hand-${i}`);
  execFileSync('mkdir', ['-p', dir]);
  const disk = join(dir, 'root.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', tiny.rootDisk, disk, '2G']);
  const argv = buildQemuArgv({
    instanceId: `i-hand${i}`, name: `hand-${i}`, vcpus: 1, memoryMiB: 256, nics: [], stopTimeoutSec: 5,
    root: { kind: 'disk', disk: { volumeId: 'vol-hand', path: disk, format: 'qcow2', pciSlot: 0x10, serial: 'vol-hand' } }, disks: [],
    boot: { kernelPath: tiny.kernel, initrdPath: tiny.initrd, cmdline: `${tiny.cmdline} kumo_hostname=hand-${i}` },
  }, { accel: 'tcg', runDir: dir });
  const args: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '-S' || a === '-daemonize') continue;
    if (a === '-chardev' && argv[k + 1]?.includes('id=serial0')) { args.push('-chardev', 'stdio,id=serial0,signal=off'); k++; continue; }
    args.push(a);
  }
  const t0 = performance.now();
  const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const t1 = await new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('no boot marker in 120 s')), 120_000);
    p.stdout.on('data', (d: Buffer) => { seen += d.toString(); if (seen.includes(marker)) { clearTimeout(deadline); resolve(performance.now()); } });
    p.on('exit', (code) => { if (!seen.includes(marker)) reject(new Error(`qemu exited ${code}`)); });
  });
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return t1 - t0;
}

const api: number[] = []; const hand: number[] = [];
try {
  await byHand(-1); await viaApi(-1); // warm the page cache and the image cache
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) { hand.push(await byHand(i)); api.push(await viaApi(i)); } else { api.push(await viaApi(i)); hand.push(await byHand(i)); }
  }
  console.log(JSON.stringify({
    machine: machineReport.finish(),
    bench: 'boot', runs, accelerator: 'tcg',
    apiToBootMarkerMs: { p50: Math.round(median(api)), all: api.map(Math.round) },
    handToBootMarkerMs: { p50: Math.round(median(hand)), all: hand.map(Math.round) },
    controlPlaneOverheadMs: { p50: Math.round(median(api) - median(hand)), targetMs: 100 },
    createOperationMs: { p50: median(opMs), note: 'API create → QEMU reports running (schedule, linked-clone disk, spawn paused, cont)' },
  }, null, 2));
} finally {
  await agent.close();
  await server.close();
  await database.close();
  rmSync(work, { recursive: true, force: true });
}
