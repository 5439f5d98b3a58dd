import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Instance, Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { startNamespaceCloud, type NamespaceCloud } from '../testing/namespace-cloud.ts';
import { eventually } from '../testing/test-cloud.ts';

const kumoMain = fileURLToPath(new URL('../../../kumo/src/main.ts', import.meta.url));

/** Every CNT=<n> the guest's counter printed on its console, in order. */
const counts = (log: string) => [...log.matchAll(/CNT=(\d+)/g)].map((m) => Number(m[1]));

/**
 * Mobility with real QEMU guests on two namespace hosts (`kumo up --hosts 2`'s hosts), through the REST
 * API of a server that runs as its own process. The guest runs a counter on its serial console; it
 * must never restart, its address must keep answering, and exactly one QEMU may run it.
 */
describe('QEMU guests on two namespace hosts: mobility', { timeout: 1_200_000 }, () => {
  let cloud: NamespaceCloud; let vm: Instance; let ip = ''; let bootedAt = 0;

  before(async () => {
    cloud = await startNamespaceCloud('qemu-migration');
  });

  after(async () => {
    if (vm) await cloud.client.request('DELETE', `/api/v1/instances/${vm.id}`, { query: { wait: true, waitTimeoutSec: 60 } }).catch(() => undefined);
    await cloud?.destroy();
  });

  /** The host name the only QEMU of the guest runs on; fails when there is not exactly one. */
  const runningOn = () => {
    const procs = cloud.qemuProcesses(vm.id);
    assert.equal(procs.length, 1, `exactly one QEMU runs the guest: ${JSON.stringify(procs)}`);
    const host = cloud.hostOfNetns(procs[0]!.netns);
    assert.ok(host, `QEMU ${procs[0]!.pid} runs in a host namespace (${procs[0]!.netns})`);
    return host;
  };
  const hostName = async (hostId: string | null) => (await cloud.client.get<{ name: string }>('hosts', hostId!)).name;
  const guestUptime = async () => Number((await cloud.typeInto(vm.id, 'echo UP=$(cut -d. -f1 /proc/uptime)=', /UP=(\d+)=/))[1]);

  test('a guest with a counter on its console answers ping from its router', async () => {
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 300 },
      body: { name: 'mob1', zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId, nics: [{ networkId: cloud.networkId }] },
    });
    assert.equal(op.status, 'succeeded', op.message);
    vm = await cloud.client.get<Instance>('instances', op.resourceId);
    // The default security group admits only its members: let the router's pings in.
    const sg = (await cloud.client.listAll<{ id: string; name: string }>('security-groups')).find((g) => g.name === 'default')!;
    await cloud.client.request('POST', `/api/v1/security-groups/${sg.id}/rules`, { body: { direction: 'ingress', protocol: 'icmp', cidr: '0.0.0.0/0' } });
    const lease = await eventually(async () => /KUMO-NET-UP eth0 (10\.61\.0\.\d+)/.exec(await cloud.consoleLog(vm.id)), 'DHCP lease', 120_000);
    ip = lease[1]!;
    bootedAt = Date.now();
    await cloud.typeInto(vm.id, '(i=0; while true; do i=$((i+1)); echo CNT=$i; sleep 1; done) &', /CNT=2\b/);
    await eventually(() => cloud.pingFromRouter(ip), `${ip} answers ping from the router`, 60_000);
    assert.equal(runningOn(), await hostName(vm.hostId));
  });

  test('the server killed -9 and restarted: the guest keeps running, one QEMU, hostId unchanged', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    const before = counts(await cloud.consoleLog(vm.id)).at(-1) ?? 0;
    const pid = runningOn() && cloud.qemuProcesses(vm.id)[0]!.pid;
    await cloud.killServer();
    await cloud.startServer();
    await eventually(async () => (await cloud.client.listAll<{ state: string }>('hosts')).filter((h) => h.state === 'up').length === 2, 'both hosts up again', 120_000);
    const after = await cloud.client.get<Instance>('instances', vm.id);
    assert.equal(after.phase, 'running');
    assert.equal(after.hostId, vm.hostId);
    assert.equal(runningOn(), await hostName(after.hostId));
    assert.equal(cloud.qemuProcesses(vm.id)[0]!.pid, pid, 'the same QEMU process');
    // (The agents reconnect with backoff: the console log is served again once the guest's host is back.)
    await eventually(async () => (counts(await cloud.consoleLog(vm.id)).at(-1) ?? 0) > before + 1, 'the counter going on', 120_000);
    const up = await guestUptime();
    assert.ok(up >= Math.floor((Date.now() - bootedAt) / 1000) - 1, `guest up ${up} s: it was not restarted`);
    assert.ok(await cloud.pingFromRouter(ip), 'its address still answers');
  });
  /** The zone's migration bandwidth (MiB/s, 0 = unlimited), written straight into the server's database. */
  const setBandwidth = async (mibPerSec: number) => {
    const database = await openDatabase({ dataDir: cloud.serverDir });
    try {
      // A 2-minute stream timeout: a stream that does not end (seen once with the server killed
      // mid-migration while another guest test ran beside it) ends by the policy's timeout and rolls
      // back, well inside the test's wait, instead of holding the operation for 10 minutes.
      const row = { zoneId: cloud.zoneId, downtimeLimitMs: 300, maxBandwidthMiBPerSec: mibPerSec, autoConverge: 1, postcopyAfterPasses: null, timeoutMs: 120_000, retryNextHost: 0, maxPerHost: 2, updatedAt: new Date().toISOString() };
      await database.db.deleteFrom('migrationPolicies').where('zoneId', '=', cloud.zoneId).execute();
      await database.db.insertInto('migrationPolicies').values(row).execute();
    } finally { await database.close(); }
  };
  const otherHost = async () => {
    const hosts = await cloud.client.listAll<{ id: string; name: string }>('hosts');
    const from = runningOn();
    return hosts.find((h) => h.name !== from && (h.name === 'h1' || h.name === 'h2'))!;
  };
  const migrate = (hostId: string) => cloud.client.request<Operation>('POST', `/api/v1/instances/${vm.id}/migrate`, { body: { hostId } });
  const lastCount = async () => counts(await cloud.consoleLog(vm.id)).at(-1) ?? 0;
  /** Memory the stream must carry: 96 MiB of random data in the guest's page cache. */
  const fillGuestMemory = () => cloud.typeInto(vm.id, 'dd if=/dev/urandom of=/tmp/fill bs=1M count=96 2>/dev/null; echo FILLED', /FILLED\r?\n/, 120_000);

  test('migrate a running guest: it moves, its counter keeps increasing and never restarts, its address keeps answering', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    await setBandwidth(0);
    const from = runningOn();
    const target = await otherHost();
    const before = await lastCount();
    let pings = 0; let lost = 0; let pinging = true;
    const pinger = (async () => { while (pinging) { pings++; if (!(await cloud.pingFromRouter(ip))) lost++; await new Promise((r) => setTimeout(r, 200)); } })();
    const stages = new Set<string>();
    const op = await migrate(target.id);
    const done = await cloud.client.waitOperation(op.id, { timeoutMs: 300_000, intervalMs: 200, onProgress: (o) => { if (o.progressDetail?.migration) stages.add(o.progressDetail.migration.stage); } });
    pinging = false; await pinger;
    assert.equal(done.status, 'succeeded', done.message);
    const moved = await cloud.client.get<Instance>('instances', vm.id);
    assert.equal(moved.hostId, target.id, 'the database names the target');
    assert.equal(runningOn(), target.name, `exactly one QEMU, on ${target.name} (was ${from})`);
    await eventually(async () => (await lastCount()) > before + 2, 'the counter going on after the switch', 60_000);
    const log = counts(await cloud.consoleLog(vm.id));
    assert.ok(!log.slice(log.lastIndexOf(before) + 1).includes(1), `the counter never restarted: ${log.slice(-20).join(' ')}`);
    const up = await guestUptime();
    assert.ok(up >= Math.floor((Date.now() - bootedAt) / 1000) - 1, `guest up ${up} s: it was not restarted`);
    await eventually(() => cloud.pingFromRouter(ip), `${ip} answering from ${target.name}`, 30_000);
    assert.ok(lost <= 3, `at most a few pings lost during the move: ${lost} of ${pings}`);
    assert.ok(stages.size > 0, 'the operation showed migration progress');
  });

  test('from the CLI, as a newcomer would: `kumo instance migrate ID --host H --wait` prints progress and moves it; the counter goes on, its address answers', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    await setBandwidth(0);
    const target = await otherHost();
    const before = await lastCount();
    const cli = spawn(process.execPath, ['--import', 'tsx', kumoMain, '--server', cloud.url, '--token', cloud.client.tokenValue()!, 'instance', 'migrate', vm.id, '--host', target.id, '--wait'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    cli.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    cli.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    assert.equal(code, 0, `kumo instance migrate exited ${code}:\n${out}\n${err}`);
    assert.match(out, /succeeded/, out);
    assert.match(err, /pass \d+, RAM [\d.]+ MiB sent/, `progress lines (pass, RAM sent) while it waited: ${err}`);
    assert.equal(runningOn(), target.name, 'exactly one QEMU, on the target');
    assert.equal((await cloud.client.get<Instance>('instances', vm.id)).hostId, target.id);
    await eventually(async () => (await lastCount()) > before + 2, 'the counter going on after the switch', 60_000);
    const log = counts(await cloud.consoleLog(vm.id));
    assert.ok(!log.slice(log.lastIndexOf(before) + 1).includes(1), `the counter never restarted: ${log.slice(-20).join(' ')}`);
    await eventually(() => cloud.pingFromRouter(ip), `${ip} answering from ${target.name}`, 30_000);
  });

  test('cancel a migration: the guest keeps running on the source', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    await fillGuestMemory();
    await setBandwidth(4);
    const from = runningOn();
    const target = await otherHost();
    const op = await migrate(target.id);
    await eventually(async () => (await cloud.client.get<Operation>('operations', op.id)).progressDetail?.migration?.stage === 'pre-copy', 'the memory stream running', 120_000);
    await cloud.client.request('POST', `/api/v1/operations/${op.id}/cancel`);
    const done = await cloud.client.waitOperation(op.id, { timeoutMs: 120_000 });
    assert.equal(done.status, 'cancelled', done.message);
    const still = await cloud.client.get<Instance>('instances', vm.id);
    assert.equal(still.phase, 'running');
    assert.equal(runningOn(), from, 'exactly one QEMU, still on the source');
    assert.equal(await hostName(still.hostId), from);
    const before = await lastCount();
    await eventually(async () => (await lastCount()) > before + 1, 'the counter going on', 30_000);
    assert.ok(await cloud.pingFromRouter(ip), 'its address still answers');
  });

  test('the server killed -9 mid-migration and restarted: exactly one QEMU, and the instance\'s host is where it runs', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    await fillGuestMemory();
    await setBandwidth(4);
    const target = await otherHost();
    const op = await migrate(target.id);
    await eventually(async () => (await cloud.client.get<Operation>('operations', op.id)).progressDetail?.migration?.stage === 'pre-copy', 'the memory stream running', 120_000);
    await cloud.killServer();
    await cloud.startServer();
    await setBandwidth(0); // let it finish (or fail) quickly now
    const done = await cloud.client.waitOperation(op.id, { timeoutMs: 300_000 });
    assert.ok(['succeeded', 'failed', 'cancelled'].includes(done.status));
    await eventually(async () => (await cloud.client.get<Instance>('instances', vm.id)).task === null, 'the instance without a task', 120_000);
    const inst = await cloud.client.get<Instance>('instances', vm.id);
    assert.equal(inst.phase, 'running');
    assert.equal(runningOn(), await hostName(inst.hostId), `exactly one QEMU, on the host the database names (operation ${done.status}: ${done.message})`);
    const before = await lastCount();
    await eventually(async () => (await lastCount()) > before + 1, 'the counter going on', 60_000);
  });
});
