import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, HostEvacuation, Instance, Operation } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { startNamespaceCloud, type NamespaceCloud } from '../testing/namespace-cloud.ts';
import { eventually } from '../testing/test-cloud.ts';
import { parseWriterLog, type WriterRun } from '../testing/writer-log.ts';

/**
 * Short leases: heartbeats every second, a 10 s lease, HA guests stopped by their host 3 s before it
 * ends (a shorter lease made the healthy host stop its HA guest when the loaded server answered late).
 */
const leaseMs = 10_000;
const marginMs = 3000;

/**
 * The guest's writer: appends "<boot id> <n>" to a file on its root disk (on the shared pool), with
 * sync, five times a second, started at the end of the boot script, so it runs again after any boot. Two
 * copies of the guest writing at once would show as lines of two boots interleaved, or a broken file.
 */
const WRITER = '/usr/local/bin/seqw';
const SEQ = '/var/lib/kumo/seq';
const installWriter = [
  `mkdir -p /usr/local/bin /var/lib/kumo`,
  `printf '#!/bin/sh\\nb=$(cut -c1-8 /proc/sys/kernel/random/boot_id); i=0\\nwhile true; do i=$((i+1)); echo "$b $i" >> ${SEQ}; sync; usleep 200000; done\\n' > ${WRITER}`,
  `chmod +x ${WRITER}`,
  `echo '${WRITER} </dev/null >/dev/null 2>&1 &' >> /etc/init.d/rcS`,
  `sync; (${WRITER} </dev/null >/dev/null 2>&1 &); echo WRITER""-INSTALLED`,
].join('; ');

/**
 * Cold migration to a host that never had the guest's image (fresh hosts: the copied disk's base
 * must be created there), then HA with real QEMU guests on two namespace hosts (`kumo up --hosts 2`'s hosts), the server as its own
 * process, the guest's root disk on a shared directory pool both hosts reach. A host cut off the
 * network keeps its QEMU running until its own agent stops it (its lease lapsed); the server restarts
 * the guest on the other host only once the host's lease expired and its volume lease files went
 * stale. A sampler watches every QEMU process of the guest all along: never two at once.
 */
describe('QEMU guests on two fresh namespace hosts: cold migration and HA', { timeout: 1_200_000 }, () => {
  let cloud: NamespaceCloud; let vm: Instance; let poolDir = '';
  /** Every 100 ms: the hosts a QEMU of the guest runs on. */
  const samples: Array<{ at: number; hosts: string[] }> = [];
  let sampler: NodeJS.Timeout | undefined;

  before(async () => {
    cloud = await startNamespaceCloud('qemu-ha', { serverEnv: { KUMO_HEARTBEAT_INTERVAL_SEC: '1' } });
    await cloud.client.request('PATCH', `/api/v1/zones/${cloud.zoneId}`, { body: { ha: { leaseMs, fenceMarginMs: marginMs, restartConcurrency: 2 } } });
  });

  after(async () => {
    if (sampler) clearInterval(sampler);
    if (vm) await cloud.client.request('DELETE', `/api/v1/instances/${vm.id}`, { query: { wait: true, waitTimeoutSec: 60 } }).catch(() => undefined);
    await cloud?.destroy();
  });

  const hostsRunning = () => cloud.qemuProcesses(vm.id).map((p) => cloud.hostOfNetns(p.netns) ?? `?${p.netns}`);
  const runningOn = () => {
    const hosts = hostsRunning();
    assert.equal(hosts.length, 1, `exactly one QEMU runs the guest: ${hosts.join(', ')}`);
    return hosts[0]!;
  };
  const hostByName = async (name: string) => (await cloud.client.listAll<{ id: string; name: string }>('hosts')).find((h) => h.name === name)!;
  const hostRecord = async (id: string) => cloud.client.get<{ state: string; generation?: number; fence: { state: string; method: string | null; fencedAt?: string | null }; leaseExpiresAt: string | null }>('hosts', id);
  const lastLine = async (timeoutMs = 60_000) => {
    const m = await cloud.typeInto(vm.id, `echo LAST=$(tail -n 1 ${SEQ})=`, /LAST=([0-9a-f]{8}) (\d+)=/, timeoutMs);
    return { boot: m[1]!, n: Number(m[2]) };
  };
  const writerRuns = async (): Promise<WriterRun[]> => {
    const m = await cloud.typeInto(vm.id, `echo SEQ""-BEGIN; cat ${SEQ}; echo SEQ""-END`, /SEQ-BEGIN\r?\n([\s\S]*?)SEQ-END/, 120_000);
    return parseWriterLog(m[1]!);
  };

  test('cold migration of a stopped guest to a host that never had its image: the disk is copied, the guest boots there with its data', async () => {
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 300 }, body: { name: 'cold1', zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId },
    });
    assert.equal(op.status, 'succeeded', op.message);
    const cold = await cloud.client.get<Instance>('instances', op.resourceId);
    const from = await cloud.client.get<{ id: string; name: string }>('hosts', cold.hostId!);
    const sourceDir = join(cloud.plan.agents.find((a) => a.name === from.name)!.stateDir, 'pools', 'local');
    await eventually(async () => (await cloud.consoleLog(cold.id)).includes('KUMO-BOOT-OK'), 'cold1 booted', 180_000);
    await cloud.typeInto(cold.id, 'mkdir -p /var/lib/kumo; echo COLD-$((40+2)) > /var/lib/kumo/mark; sync; echo MARK""-WRITTEN', /MARK-WRITTEN/, 60_000);
    const stopped = await cloud.client.request<Operation>('POST', `/api/v1/instances/${cold.id}/stop`, { query: { wait: true, waitTimeoutSec: 120 }, body: {} });
    assert.equal(stopped.status, 'succeeded', stopped.message);
    const moved = await cloud.client.request<Operation>('POST', `/api/v1/instances/${cold.id}/migrate`, { body: {} });
    const done = await cloud.client.waitOperation(moved.id, { timeoutMs: 300_000 });
    assert.equal(done.status, 'succeeded', done.message);
    const after = await cloud.client.get<Instance>('instances', cold.id);
    assert.notEqual(after.hostId, from.id, 'the instance names the other host');
    assert.equal(after.phase, 'stopped');
    const to = await cloud.client.get<{ name: string }>('hosts', after.hostId!);
    const targetDir = join(cloud.plan.agents.find((a) => a.name === to.name)!.stateDir, 'pools', 'local');
    const database = await openDatabase({ dataDir: cloud.serverDir });
    const root = await database.db.selectFrom('volumes').select('path').where('instanceId', '=', cold.id).executeTakeFirstOrThrow().finally(() => database.close());
    assert.ok(root.path.startsWith(targetDir) && existsSync(root.path), `the root disk is in ${to.name}'s pool: ${root.path}`);
    assert.ok(!existsSync(join(sourceDir, 'volumes', root.path.split('/').at(-1)!)), `the source copy is gone from ${from.name}`);
    const started = await cloud.client.request<Operation>('POST', `/api/v1/instances/${cold.id}/start`, { query: { wait: true, waitTimeoutSec: 300 }, body: {} });
    assert.equal(started.status, 'succeeded', started.message);
    const procs = cloud.qemuProcesses(cold.id);
    assert.deepEqual(procs.map((p) => cloud.hostOfNetns(p.netns)), [to.name], 'one QEMU, on the target');
    // (Typed until the shell answers: keys sent while the guest boots are lost.)
    await eventually(() => cloud.typeInto(cold.id, 'echo GOT=$(cat /var/lib/kumo/mark)=', /GOT=(\S*)=/, 10_000).then((m) => m[1], () => null), 'the guest\'s shell on the target', 180_000)
      .then((got) => assert.equal(got, 'COLD-42', 'the data written before the move'));
    const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${cold.id}`, { query: { wait: true, waitTimeoutSec: 120 } });
    assert.equal(del.status, 'succeeded', del.message);
  });

  test('an HA guest on the shared pool writes its sequence', async () => {
    const cluster = (await cloud.client.listAll<{ id: string }>('clusters'))[0]!;
    poolDir = join(cloud.work, 'shared-pool');
    mkdirSync(poolDir, { recursive: true });
    // Roomier than the hosts' local pools: the scheduler puts root disks there.
    await cloud.client.create('pools', { name: 'shared', clusterId: cluster.id, kind: 'shared', path: poolDir, capacityGiB: 100_000 });
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 300 },
      body: { name: 'ha1', zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId, ha: true },
    });
    assert.equal(op.status, 'succeeded', op.message);
    vm = await cloud.client.get<Instance>('instances', op.resourceId);
    assert.equal(vm.ha.enabled, true);
    await eventually(async () => (await cloud.consoleLog(vm.id)).includes('KUMO-BOOT-OK'), 'the guest booted', 180_000);
    await cloud.typeInto(vm.id, installWriter, /WRITER-INSTALLED/, 60_000);
    const first = await lastLine();
    await eventually(async () => (await lastLine()).n > first.n, 'the writer going on', 60_000);
    assert.equal(runningOn(), (await cloud.client.get<{ name: string }>('hosts', vm.hostId!)).name);
    // Its host touches the lease file beside the root disk at every renewal.
    const database = await openDatabase({ dataDir: cloud.serverDir });
    const root = await database.db.selectFrom('volumes').select('path').where('instanceId', '=', vm.id).executeTakeFirstOrThrow().finally(() => database.close());
    assert.ok(root.path.startsWith(poolDir), `the root disk is on the shared pool: ${root.path}`);
    const since = Date.now();
    await eventually(async () => (existsSync(`${root.path}.lease`) && statSync(`${root.path}.lease`).mtimeMs > since) || null, 'the host touching the volume\'s lease file', 30_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${cloud.agentLog(runningOn())}`); });
    sampler = setInterval(() => { samples.push({ at: Date.now(), hosts: hostsRunning() }); }, 100);
  });

  test('a cut host stops its HA guest itself; the guest restarts on the other host only after the lease expired and the lease file went stale; never two writers', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    const from = runningOn();
    const fromHost = await hostByName(from);
    const to = from === 'h1' ? 'h2' : 'h1';
    const bootBefore = (await lastLine()).boot;
    const cutAt = Date.now();
    await cloud.cutHost(from);
    try {
      // The cut host's own agent kills the guest (the server cannot reach it).
      await eventually(async () => !hostsRunning().includes(from) || null, `the QEMU on ${from} stopped by its own agent`, 60_000);
      const selfFencedAt = Date.now();
      await eventually(async () => { const i = await cloud.client.get<Instance>('instances', vm.id); return (i.hostId !== fromHost.id && i.phase === 'running' && i.task === null) || null; }, `the guest running on ${to}`, 180_000);
      assert.equal(runningOn(), to);
      const fenced = await hostRecord(fromHost.id);
      assert.equal(fenced.fence.state, 'fenced', 'the cut host is fenced');
      assert.match(fenced.fence.method ?? '', /volume lease file\(s\) stale/);
      const firstOnTarget = samples.find((s) => s.hosts.includes(to));
      assert.ok(firstOnTarget, `a QEMU on ${to} was sampled`);
      assert.ok(firstOnTarget.at >= selfFencedAt - 200, `the new copy started after the old one stopped (${firstOnTarget.at - selfFencedAt} ms)`);
      const agentLog = readFileSync(cloud.plan.agents.find((a) => a.name === from)!.logFile, 'utf8');
      assert.match(agentLog, /host lease lapsed/, 'the cut host\'s agent says it stopped its HA guests');
      const events = await cloud.client.listAll<{ kind: string; createdAt: string }>('events', { resourceId: fromHost.id });
      const expired = events.find((e) => e.kind === 'host.lease-expired'); const fencedEv = events.find((e) => e.kind === 'host.fenced');
      assert.ok(expired && fencedEv, `lease-expired and fenced events: ${events.map((e) => e.kind).join(', ')}`);
      const restarted = (await cloud.client.listAll<{ kind: string; createdAt: string }>('events', { resourceId: vm.id })).find((e) => e.kind === 'instance.ha-restart');
      assert.ok(!restarted || Date.parse(restarted.createdAt) >= Date.parse(fencedEv.createdAt), 'restarted after fencing');
      // The writer runs again on the new host under a new boot.
      const diagnose = async (e: unknown) => {
        const events = (await cloud.client.listAll<{ kind: string; message: string }>('events', { resourceId: vm.id })).map((x) => `${x.kind}: ${x.message}`).join('\n');
        return new Error(`${String(e)}\nQEMUs on: ${hostsRunning().join(', ')}\n${events}\n${to}: ${cloud.agentLog(to)}`);
      };
      // (Asked again every 20 s: keys typed while the new copy boots are lost.)
      await eventually(async () => { const l = await lastLine(20_000); return (l.boot !== bootBefore && l.n > 3) || null; }, 'the writer of the new boot going on', 180_000)
        .catch(async (e: unknown) => { throw await diagnose(e); });
      const runs = await writerRuns();
      assert.equal(runs.length, 2, `two boots wrote, one after the other: ${JSON.stringify(runs)}`);
      assert.equal(runs[0]!.boot, bootBefore);
      assert.ok(runs[0]!.count > 5 && runs[1]!.count > 3, `both boots wrote: ${JSON.stringify(runs)}`);
      assert.ok(samples.every((s) => s.hosts.length <= 1), `never two QEMUs at once: ${JSON.stringify(samples.filter((s) => s.hosts.length > 1).slice(0, 3))}`);
      process.stdout.write(`# HA restart: cut → old copy stopped ${selfFencedAt - cutAt} ms, → new QEMU ${firstOnTarget.at - cutAt} ms\n`);
    } finally {
      await cloud.restoreHost(from);
    }
    // The cut host comes back under a new generation and is let back in; the guest stays where it is.
    await eventually(async () => (await hostRecord(fromHost.id)).fence.state === 'none' || null, `${from} let back in`, 120_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${cloud.agentLog(from)}`); });
    const before = await lastLine();
    await eventually(async () => (await lastLine()).n > before.n + 2, 'the writer going on after the old host returned', 60_000);
    assert.equal(runningOn(), to, 'still exactly one QEMU, on the new host');
  });

  test('kill -9 the agent only: nothing is fenced or restarted, the agent re-adopts the running guest', async () => {
    assert.ok(vm, 'needs the guest of the first test');
    // The agent process needs some seconds to start under load: a lease long enough to cover it.
    await cloud.client.request('PATCH', `/api/v1/zones/${cloud.zoneId}`, { body: { ha: { leaseMs: 30_000, fenceMarginMs: 5000 } } });
    const on = runningOn();
    const host = await hostByName(on);
    await new Promise((r) => setTimeout(r, 3000)); // a few heartbeats under the longer lease
    const pid = cloud.qemuProcesses(vm.id)[0]!.pid;
    const before = await lastLine();
    const restartsBefore = (await cloud.client.get<Instance>('instances', vm.id)).ha.restarts;
    await cloud.killAgent(on);
    await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', host.id)).state !== 'up' || null, `${on} seen without its agent`, 60_000);
    cloud.startAgent(on);
    await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', host.id)).state === 'up' || null, `${on} up again`, 120_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${cloud.agentLog(on)}`); });
    await new Promise((r) => setTimeout(r, leaseMs)); // past the short lease: had anything lapsed, it would show now
    const events = async () => (await cloud.client.listAll<{ kind: string; message: string }>('events', { resourceId: vm.id })).map((e) => `${e.kind}: ${e.message}`).join('\n');
    assert.deepEqual(cloud.qemuProcesses(vm.id).map((p) => p.pid), [pid], `the same QEMU process runs the guest\n${await events()}\n${cloud.agentLog(on)}`);
    const inst = await cloud.client.get<Instance>('instances', vm.id);
    assert.equal(inst.hostId, host.id);
    assert.equal(inst.phase, 'running');
    assert.equal(inst.ha.restarts, restartsBefore, 'not restarted');
    assert.equal((await hostRecord(host.id)).fence.state, 'none', 'not fenced');
    const after = await lastLine();
    assert.equal(after.boot, before.boot, 'the same boot writes on');
    assert.ok(after.n > before.n, 'the writer went on');
    assert.ok(samples.every((s) => s.hosts.length <= 1), 'never two QEMUs at once');
    // Re-adopted: the agent answers for the guest (its console log comes from the agent).
    assert.match(await cloud.consoleLog(vm.id), /LAST=/);
  });
  test('maintenance evacuates a host with 4 running guests (the HA guest on the shared pool, 3 on local disks) live, 2 at a time; none restarts', async () => {
    assert.ok(vm, 'needs the HA guest');
    // A live migration runs two QEMUs by design (the source's pauses as the target's starts): the HA sampler ends here.
    clearInterval(sampler); sampler = undefined;
    const on = runningOn();
    const host = await hostByName(on);
    const other = await hostByName(on === 'h1' ? 'h2' : 'h1');
    const before = await lastLine();
    // Three more guests on the same host (the other one disabled meanwhile), on the hosts' local pools.
    // (The shared pool shrunk in the database: pools have no update route, and new root disks must go local.)
    const database = await openDatabase({ dataDir: cloud.serverDir });
    await database.db.updateTable('pools').set({ capacityGiB: 1 }).where('name', '=', 'shared').execute().finally(() => database.close());
    await cloud.client.request('POST', `/api/v1/hosts/${other.id}/actions`, { body: { action: 'disable' } });
    const guests: string[] = [];
    try {
      const ops = await Promise.all([1, 2, 3].map((i) => cloud.client.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true, waitTimeoutSec: 300 }, body: { name: `evac${i}`, zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId },
      })));
      for (const op of ops) { assert.equal(op.status, 'succeeded', op.message); guests.push(op.resourceId); }
    } finally {
      await cloud.client.request('POST', `/api/v1/hosts/${other.id}/actions`, { body: { action: 'enable' } });
    }
    for (const id of guests) await eventually(async () => (await cloud.consoleLog(id)).includes('KUMO-BOOT-OK'), `${id} booted`, 240_000);
    for (const id of guests) assert.equal((await cloud.client.get<Instance>('instances', id)).hostId, host.id);
    const op = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${host.id}/maintenance`, { body: { concurrency: 2 } });
    let maxMigrating = 0;
    const done = await eventually(async () => {
      const ev = await cloud.client.request<HostEvacuation>('GET', `/api/v1/hosts/${host.id}/evacuation`);
      maxMigrating = Math.max(maxMigrating, ev.counts.migrating ?? 0);
      const o = await cloud.client.get<Operation>('operations', op.id);
      return ['succeeded', 'failed', 'cancelled'].includes(o.status) ? o : null;
    }, 'the maintenance to end', 600_000);
    assert.equal(done.status, 'succeeded', done.message);
    assert.ok(maxMigrating <= 2, `never more than 2 migrating (saw ${maxMigrating})`);
    const ev = await cloud.client.request<HostEvacuation>('GET', `/api/v1/hosts/${host.id}/evacuation`);
    assert.deepEqual(ev.items.map((i) => i.state), ['moved', 'moved', 'moved', 'moved']);
    assert.equal((await cloud.client.get<Host>('hosts', host.id)).adminState, 'in-maintenance');
    for (const id of [vm.id, ...guests]) {
      const inst = await cloud.client.get<Instance>('instances', id);
      assert.equal(inst.phase, 'running');
      assert.equal(inst.hostId, other.id);
      assert.deepEqual(cloud.qemuProcesses(id).map((p) => cloud.hostOfNetns(p.netns)), [other.name], `one QEMU of ${inst.name}, on ${other.name}`);
    }
    const after = await lastLine();
    assert.equal(after.boot, before.boot, 'the HA guest was not restarted: the same boot writes on');
    assert.ok(after.n > before.n);
    for (const id of guests) {
      const up = await cloud.typeInto(id, 'echo UP=$(cut -d. -f1 /proc/uptime)=', /UP=(\d+)=/, 60_000);
      assert.ok(Number(up[1]) > 10, `guest ${id} kept its uptime (${up[1]} s)`);
    }
    const en = await cloud.client.request<Operation>('POST', `/api/v1/hosts/${host.id}/enable`, { query: { wait: true } });
    assert.equal(en.status, 'succeeded', en.message);
    for (const id of guests) await cloud.client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 120 } });
  });
});
