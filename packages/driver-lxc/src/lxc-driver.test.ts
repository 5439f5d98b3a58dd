// The LXC driver's state machine against FakeLxc (its lowest boundary): what it runs, the files it
// writes, what it refuses, events, re-adoption. The real containers: integration/lxc-conformance.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DriverError, type DriverEvent, type InstanceSpec } from '@kumo/core';
import { LxcDriver } from './lxc-driver.ts';
import { FakeLxc } from './testing/fake-lxc.ts';

let dir: string;
let lxcPath: string;
let rootfs: string;
const fake = new FakeLxc();
const drivers: LxcDriver[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kumo-lxc-unit-'));
  lxcPath = join(dir, 'lxc');
  rootfs = join(dir, 'base');
  await mkdir(rootfs);
});
after(async () => {
  for (const d of drivers) await d.close();
  await rm(dir, { recursive: true, force: true });
});

function driver(opts: Partial<ConstructorParameters<typeof LxcDriver>[0]> = {}): LxcDriver {
  const d = new LxcDriver({ lxcPath, tools: fake, cgroup: 'v1', watchIntervalMs: 10, idmap: null, cgroupRoot: join(dir, 'cgroup'), ...opts });
  drivers.push(d);
  return d;
}

const spec = (id: string): InstanceSpec => ({
  instanceId: id, name: id, vcpus: 1, memoryMiB: 64, disks: [], boot: {}, stopTimeoutSec: 5,
  root: { kind: 'rootfs', path: rootfs },
  nics: [{ nicId: `nic-${id}`, mac: '52:54:00:00:00:09', attach: { kind: 'veth', hostIfName: `kv-${id}` }, pciSlot: 8, bridge: 'br-test' }],
});

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

test('start writes the config and the overlay dirs, runs lxc-start once; a second start is a no-op', async () => {
  const d = driver();
  fake.calls.length = 0;
  assert.deepEqual(await d.start(spec('i-a')), { instanceId: 'i-a', power: 'running' });
  assert.deepEqual(await d.start(spec('i-a')), { instanceId: 'i-a', power: 'running' });
  assert.equal(fake.calls.filter((c) => c.startsWith('lxc-start')).length, 1);
  const conf = await readFile(join(lxcPath, 'i-a', 'config'), 'utf8');
  assert.match(conf, new RegExp(`^lxc.rootfs.path = overlay:${rootfs}:${lxcPath}/i-a/delta/upper$`, 'm'));
  assert.match(conf, /^lxc\.net\.0\.link = br-test$/m);
  assert.ok((await stat(join(lxcPath, 'i-a', 'delta', 'work'))).isDirectory());
  assert.deepEqual(await d.list(), [{ instanceId: 'i-a', power: 'running' }]);
});

test('pause and resume freeze and thaw, idempotently; stop of a paused container kills it', async () => {
  const d = driver();
  assert.equal((await d.pause('i-a')).power, 'paused');
  assert.equal((await d.pause('i-a')).power, 'paused');
  assert.equal((await d.inspect('i-a')).power, 'paused');
  assert.equal((await d.resume('i-a')).power, 'running');
  assert.equal((await d.resume('i-a')).power, 'running');
  await d.pause('i-a');
  fake.calls.length = 0;
  assert.equal((await d.stop('i-a', { force: false, timeoutSec: 5 })).power, 'stopped');
  assert.deepEqual(fake.calls.filter((c) => !c.startsWith('lxc-info')), ['lxc-unfreeze -n i-a', 'lxc-stop -n i-a -k']);
});

test('graceful stop asks init (lxc-stop -t timeoutSec), forced kills (-k); both idempotent; reboot restarts init; no events for any', async () => {
  const d = driver();
  const events: DriverEvent[] = [];
  d.onEvent((e) => { if (e.kind === 'power') events.push(e); });
  await d.start(spec('i-a'));
  fake.calls.length = 0;
  assert.deepEqual(await d.stop('i-a', { force: false, timeoutSec: 7 }), { instanceId: 'i-a', power: 'stopped' });
  assert.deepEqual(await d.stop('i-a', { force: false, timeoutSec: 7 }), { instanceId: 'i-a', power: 'stopped' });
  assert.deepEqual(fake.calls.filter((c) => c.startsWith('lxc-stop')), ['lxc-stop -n i-a -t 7']);
  await d.start(spec('i-a'));
  const pid = fake.containers.get('i-a')?.pid;
  assert.deepEqual(await d.reboot('i-a'), { instanceId: 'i-a', power: 'running' });
  assert.notEqual(fake.containers.get('i-a')?.pid, pid);
  assert.equal((await d.stop('i-a', { force: true, timeoutSec: 0 })).power, 'stopped');
  assert.ok(fake.calls.includes('lxc-stop -n i-a -k'));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events, []);
  await assert.rejects(d.reboot('i-a'), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state');
  await assert.rejects(d.reboot('i-nope'), (e: unknown) => e instanceof DriverError && e.code === 'not_found');
});

test('a guest that powers itself off: one stopped event with a guest reason', async () => {
  const d = driver();
  const events: DriverEvent[] = [];
  d.onEvent((e) => { if (e.kind === 'power') events.push(e); });
  await d.start(spec('i-a'));
  fake.guestPoweroff('i-a');
  const e = await until(() => events[0]);
  assert.deepEqual(e, { kind: 'power', instanceId: 'i-a', power: 'stopped', reason: 'guest-shutdown' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(events.length, 1);
  assert.equal((await d.inspect('i-a')).power, 'stopped');
});

test('console: output in the log comes as events; writes go to the console relay', async () => {
  const d = driver();
  const out: string[] = [];
  d.onEvent((e) => { if (e.kind === 'console') out.push(e.data.toString()); });
  await d.start(spec('i-a'));
  await until(() => (out.join('').includes('KUMO-BOOT-OK') ? true : undefined));
  assert.match((await d.consoleLog('i-a')).toString(), /KUMO-BOOT-OK/);
  await d.consoleWrite('i-a', Buffer.from('echo hi\n'));
  assert.equal(fake.consoleInput.get('i-a'), 'echo hi\n');
  await assert.rejects(d.consoleLog('i-nope'), (e: unknown) => e instanceof DriverError && e.code === 'not_found');
});

test('reboot lets go of the console first (regression: reboot_with_console_attached_stopped_container)', async () => {
  const d = driver();
  await d.start(spec('i-a'));
  await d.consoleWrite('i-a', Buffer.from('echo hi\n'));
  fake.calls.length = 0;
  await d.reboot('i-a');
  await d.consoleWrite('i-a', Buffer.from('echo again\n'));
  assert.deepEqual(fake.calls.filter((c) => !c.startsWith('lxc-info')), ['lxc-stop -n i-a -r -t 60', 'console i-a'], 'a new relay after the reboot');
});

test('a new driver (agent restart) re-adopts the running container and reports its own events only', async () => {
  const d2 = driver();
  assert.deepEqual(await d2.list(), [{ instanceId: 'i-a', power: 'running' }]);
  const events: DriverEvent[] = [];
  d2.onEvent((e) => { if (e.kind === 'power') events.push(e); });
  await d2.inspect('i-a');
  fake.guestPoweroff('i-a');
  await until(() => events[0]);
  assert.equal(events[0]?.kind === 'power' && events[0].reason, 'guest-shutdown');
});

test('a failed start says LXC\'s error and leaves no directory and no cgroup (regression: aborted_start_left_monitor_cgroup); unknown root path fails before anything', async () => {
  const d = driver();
  fake.failNextStart('Failed to mount rootfs');
  // an aborted start leaves LXC's monitor group behind (seen on real hosts): the driver removes it
  await mkdir(join(dir, 'cgroup', 'memory', 'lxc.monitor.i-bad', 'sub'), { recursive: true });
  await mkdir(join(dir, 'cgroup', 'memory', 'lxc.monitor.i-other'), { recursive: true });
  await assert.rejects(d.start(spec('i-bad')), (e: unknown) => e instanceof DriverError && e.code === 'start_failed' && /Failed to mount rootfs/.test(e.message));
  await assert.rejects(stat(join(lxcPath, 'i-bad')));
  await assert.rejects(stat(join(dir, 'cgroup', 'memory', 'lxc.monitor.i-bad')));
  assert.ok((await stat(join(dir, 'cgroup', 'memory', 'lxc.monitor.i-other'))).isDirectory(), 'other containers\' groups stay');
  await assert.rejects(d.start({ ...spec('i-bad'), root: { kind: 'rootfs', path: join(dir, 'missing') } }), (e: unknown) => e instanceof DriverError && /^root\.path/.test(e.message));
  await assert.rejects(stat(join(lxcPath, 'i-bad')));
  assert.deepEqual(await d.inspect('i-bad'), { instanceId: 'i-bad', power: 'stopped', reason: 'not defined' });
});

test('what containers cannot do is refused up front as unsupported, naming the capability', async () => {
  const d = driver();
  const calls: Array<[Promise<unknown>, string]> = [
    [d.save('i-a', '/x'), 'save-restore'], [d.restore(spec('i-a'), '/x'), 'save-restore'],
    [d.attachDisk('i-a', { volumeId: 'v', path: '/v', format: 'raw', pciSlot: 9, serial: 'v' }), 'hot-attach-disk'],
    [d.migrate('i-a', { uri: 'tcp:127.0.0.1:1' }, { downtimeLimitMs: 1, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 1 }), 'live-migrate'],
    [d.changeMedium('i-a', null), 'cdrom'],
  ];
  for (const [p, cap] of calls) await assert.rejects(p, (e: unknown) => e instanceof DriverError && e.code === 'unsupported' && e.message.includes(cap));
  const bare = driver({ capabilities: [] });
  await assert.rejects(bare.pause('i-a'), (e: unknown) => e instanceof DriverError && e.code === 'unsupported' && /'pause'/.test(e.message));
  assert.deepEqual(driver().capabilities(), ['pause', 'serial-console', 'container']);
});

test('destroy kills and removes the directory; twice; unknown succeeds', async () => {
  const d = driver();
  await d.start(spec('i-a'));
  await d.destroy('i-a');
  await d.destroy('i-a');
  await d.destroy('i-never');
  await assert.rejects(stat(join(lxcPath, 'i-a')));
  assert.deepEqual(await d.list(), []);
  assert.equal(fake.containers.get('i-a')?.state, 'STOPPED');
});
