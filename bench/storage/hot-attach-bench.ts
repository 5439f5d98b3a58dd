/**
 * bench/storage hot attach: API call → the data disk visible in a running guest, under TCG.
 *   api:    POST /volumes/{id}/attach on a running tiny guest → its serial appears in the guest's /sys/block
 *   driver: the same QEMU driver's attachDisk (QMP blockdev-add + device_add) on the same guest → visible
 * The guest runs a watcher that prints its disks' serials whenever they change (20 ms poll), so both
 * paths are timed by the same observer; runs are interleaved. Target: api p50 ≤ 1 s. Needs root and QEMU.
 *
 *   node --import tsx bench/storage/hot-attach-bench.ts [--runs 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { KumoClient, type Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud } from '@kumo/server';
import { AgentClient, createQemuHost } from '@kumo/agent';
import { buildTinyImage } from '@kumo/image-tiny';
import { ensureTinyImage } from '@kumo/kumo/tiny-image';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 10) || 10;
const work = mkdtempSync('/var/tmp/kumo-bench-hot-attach-');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };

const tinyDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');
await buildTinyImage({ outDir: tinyDir });
const database = await openDatabase({ dataDir: join(work, 'server') });
const server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn' });
await server.app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
await server.ctx.auth.bootstrapAdmin('bench-password');
const client = new KumoClient({ baseUrl: url, token: (await server.ctx.auth.login('admin', 'bench-password')).token });
const cloud = await seedDefaultCloud(server.ctx, 'qemu');
await server.start();
const imageId = await ensureTinyImage(client, work, () => undefined, tinyDir);
const holder: { agent?: AgentClient } = {};
const host = createQemuHost({ stateDir: join(work, 'agent'), serverUrl: url, token: () => holder.agent?.currentToken() });
const agent = new AgentClient({
  serverUrl: url, token: (await createJoinToken(server.ctx, cloud.clusterId)).token, hostName: 'bench', address: '127.0.0.1',
  driver: host.driver, volumes: host.volumes, prepareStart: host.prepareStart, fetchIso: host.fetchIso,
});
holder.agent = agent;
agent.start();
await agent.connected();

let consoleText = '';
let ws: WebSocket | undefined;
/** Resolves with the time the guest printed a disk list that satisfies `ok`. */
function waitDisks(ok: (serials: string[]) => boolean, timeoutMs = 60_000): Promise<number> {
  const from = consoleText.length;
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => { clearInterval(poll); reject(new Error(`the guest did not report the change in time; console ends with ${JSON.stringify(consoleText.slice(-600))}`)); }, timeoutMs);
    const check = () => {
      for (const m of consoleText.slice(from).matchAll(/DISKS\[([^\]]*)\]/g)) {
        if (ok((m[1] ?? '').trim().split(/\s+/).filter(Boolean))) { clearTimeout(deadline); clearInterval(poll); resolve(performance.now()); return; }
      }
    };
    const poll = setInterval(check, 5);
  });
}

try {
  const op = await client.request<Operation>('POST', '/api/v1/instances', { query: { wait: true, waitTimeoutSec: 300 }, body: { name: 'hot-attach', zoneId: cloud.zoneId, imageId, offeringId: cloud.offeringIds.small } });
  const instanceId = op.resourceId;
  ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${instanceId}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}`, origin: url } });
  ws.on('message', (d: Buffer) => { consoleText += d.toString(); });
  await new Promise<void>((res, rej) => { ws!.once('open', () => res()); ws!.once('error', rej); });
  const booted = Date.now();
  while (!consoleText.includes('KUMO-BOOT-OK') && !(await client.requestText('GET', `/api/v1/instances/${instanceId}/console/log`)).includes('KUMO-BOOT-OK')) {
    if (Date.now() - booted > 240_000) throw new Error('the guest did not boot');
    await new Promise((r) => setTimeout(r, 500));
  }
  // sysfs serial files have no newline: collect them one by one, separated by spaces.
  ws.send(Buffer.from('\r(p=x; while :; do c=; for b in /sys/block/vd*; do c="$c $(cat $b/serial)"; done; [ "$c" != "$p" ] && echo "DISKS[$c]"; p=$c; usleep 20000; done) &\r'));
  await waitDisks((s) => s.length >= 1);

  const viaApi = async (i: number): Promise<{ visibleMs: number; operationMs: number }> => {
    const vo = await client.request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { name: `hot-${i}`, zoneId: cloud.zoneId, sizeGiB: 1 } });
    const vol = await client.get<{ id: string; serial: string }>('volumes', vo.resourceId);
    const t0 = performance.now();
    const seen = waitDisks((s) => s.includes(vol.serial));
    const attach = await client.request<Operation>('POST', `/api/v1/volumes/${vol.id}/attach`, { body: { instanceId } });
    const t1 = await seen;
    const done = await client.waitOperation(attach.id);
    if (done.status !== 'succeeded') throw new Error(`attach ${done.status}: ${done.error?.message ?? ''}`);
    const gone = waitDisks((s) => !s.includes(vol.serial));
    await client.request('POST', `/api/v1/volumes/${vol.id}/detach`, { query: { wait: true } });
    await gone;
    await client.request('DELETE', `/api/v1/volumes/${vol.id}`, { query: { wait: true } });
    return { visibleMs: t1 - t0, operationMs: Date.parse(done.finishedAt ?? done.updatedAt) - Date.parse(done.createdAt) };
  };
  const viaDriver = async (i: number): Promise<number> => {
    const path = join(work, `drv-${i}.qcow2`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '1G']);
    const serial = `drv-${i}`;
    const t0 = performance.now();
    const seen = waitDisks((s) => s.includes(serial));
    await host.driver.attachDisk(instanceId, { volumeId: `vol-drv-${i}`, path, format: 'qcow2', pciSlot: 0x1d, serial });
    const t1 = await seen;
    const gone = waitDisks((s) => !s.includes(serial));
    await host.driver.detachDisk(instanceId, `vol-drv-${i}`, { timeoutSec: 60 });
    await gone;
    rmSync(path, { force: true });
    return t1 - t0;
  };

  await viaDriver(-1); await viaApi(-1); // warm both paths
  const api: number[] = []; const ops: number[] = []; const drv: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = async () => { const r = await viaApi(i); api.push(r.visibleMs); ops.push(r.operationMs); };
    const d = async () => { drv.push(await viaDriver(i)); };
    if (i % 2 === 0) { await a(); await d(); } else { await d(); await a(); }
  }
  console.log(JSON.stringify({
    machine: machineReport.finish(),
    bench: 'storage-hot-attach', runs, accelerator: 'tcg',
    apiToVisibleMs: { p50: Math.round(median(api)), all: api.map(Math.round), targetP50Ms: 1000 },
    driverToVisibleMs: { p50: Math.round(median(drv)), all: drv.map(Math.round), note: 'QMP blockdev-add + device_add by the same driver, no API or agent' },
    attachOperationMs: { p50: median(ops), note: 'API attach → operation succeeded (host confirmed the device)' },
  }, null, 2));
} finally {
  ws?.close();
  for (const i of await client.listAll<{ id: string }>('instances').catch(() => [])) {
    await client.request('DELETE', `/api/v1/instances/${i.id}`, { query: { wait: true } }).catch(() => undefined);
  }
  await agent.close();
  await server.close();
  await database.close();
  rmSync(work, { recursive: true, force: true });
}
