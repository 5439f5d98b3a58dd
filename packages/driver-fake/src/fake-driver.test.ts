// The fake driver's own features: failure injection into every method, hangs, delays on the
// injected clock, mid-way failures with undo, progress, adoption over a shared FakeHost.
// (The Driver contract itself is checked by fake-driver-conformance.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, FakeClock, type DriverEvent, type InstanceSpec, type JobProgress } from '@kumo/core';
import { FakeDriver, fakeDriverCapabilities } from './fake-driver.ts';
import { fakeDriverMethods, type FakeDriverMethod } from './fake-faults.ts';
import { FakeHost } from './fake-host.ts';

const spec = (id: string): InstanceSpec => ({ instanceId: id, name: id, vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1 });

function isDriverError(code: string, message?: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof DriverError && e.code === code && (message === undefined || message.test(e.message));
}

test('capabilities default to what the fake implements, and can be narrowed', () => {
  assert.deepEqual(new FakeDriver({ hostname: 'h' }).capabilities(), fakeDriverCapabilities);
  assert.deepEqual(new FakeDriver({ hostname: 'h', capabilities: ['pause'] }).capabilities(), ['pause']);
});

test('every method can be made to fail, with the given code, for the given number of calls', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  d.host.addDiskFile('/d.qcow2', 1 << 20);
  d.host.addDiskFile('/e.qcow2', 1 << 20);
  const disk = (v: string, pciSlot: number) => ({ volumeId: v, path: `/${v}.qcow2`, format: 'qcow2' as const, pciSlot, serial: v });
  const withDisks: InstanceSpec = { ...spec('a'), disks: [disk('d', 0x11)], cdrom: {} };
  const d2 = new FakeDriver({ hostname: 'h2' });
  const incoming = { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false };
  const endpoint = await d2.prepareIncoming(withDisks, incoming);
  await d.start(spec('x'));
  const policy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: true, postcopyAfterPasses: null, timeoutMs: 60_000 };
  const calls: Record<FakeDriverMethod, () => Promise<unknown>> = {
    facts: () => d.facts(), list: () => d.list(), inspect: () => d.inspect('a'),
    start: () => d.start(withDisks), stop: () => d.stop('a', { force: true, timeoutSec: 0 }), reboot: () => d.reboot('a'),
    pause: () => d.pause('a'), resume: () => d.resume('a'), save: () => d.save('a', '/s'), restore: () => d.restore(withDisks, '/s'),
    destroy: () => d.destroy('a'), consoleWrite: () => d.consoleWrite('a', Buffer.from('x')), consoleLog: () => d.consoleLog('a'),
    attachDisk: () => d.attachDisk('a', disk('e', 0x12)), detachDisk: () => d.detachDisk('a', 'e', { timeoutSec: 1 }),
    resizeDisk: () => d.resizeDisk('a', 'd', 2 << 20), setDiskLimits: () => d.setDiskLimits('a', 'd', { readIops: 10 }),
    backupDisk: () => d.backupDisk('a', 'd', { path: '/backup.qcow2', format: 'qcow2' }), changeMedium: () => d.changeMedium('a', { path: '/x.iso', imageVersionId: 'imgv-x' }),
    prepareIncoming: () => d.prepareIncoming(spec('b'), incoming), migrate: () => d.migrate('a', endpoint, policy),
    finishIncoming: () => d.finishIncoming('x', { timeoutMs: 1 }),
  };
  assert.deepEqual(Object.keys(calls).sort(), [...fakeDriverMethods].sort());
  for (const m of fakeDriverMethods) {
    await d.start(withDisks);
    d.inject(m, { kind: 'fail', message: `${m} broke`, code: 'host_failure' }, { times: 2 });
    const before = d.host.snapshot();
    await assert.rejects(calls[m](), isDriverError('host_failure', new RegExp(`^${m} broke$`)), m);
    await assert.rejects(calls[m](), isDriverError('host_failure'), `${m}, second time`);
    assert.deepEqual(d.host.snapshot(), before, `${m}: an injected failure changes nothing`);
    assert.equal(d.pendingFaults(m), 0);
    await calls[m](); // the third call works
    if (m === 'save') await d.restore(spec('a'), '/s');
  }
});

test('a hung call answers only when its signal aborts (cancelled) or the driver closes (timeout)', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  d.inject('stop', { kind: 'hang' }, { times: 2 });
  await d.start(spec('a'));
  const ac = new AbortController();
  let settled = false;
  const p = d.stop('a', { force: true, timeoutSec: 0 }).finally(() => { settled = true; });
  const q = d.save('a', '/s', { signal: ac.signal });
  d.inject('save', { kind: 'hang' });
  const r = d.save('a', '/s', { signal: ac.signal });
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(settled, false);
  ac.abort();
  await assert.rejects(r, isDriverError('cancelled'));
  assert.equal((await q).power, 'saved', 'the save before the hang was not held up');
  await d.close();
  await assert.rejects(p, isDriverError('timeout', /interrupted/));
  assert.equal(d.pendingFaults(), 1, 'one stop hang still queued');
  d.clearFaults();
  assert.equal(d.pendingFaults(), 0);
});

test('delays (configured and injected) run on the injected clock', async () => {
  const clock = new FakeClock();
  const d = new FakeDriver({ hostname: 'h', clock, delays: { start: 1000 } });
  d.inject('start', { kind: 'delay', ms: 500 });
  let done = false;
  const p = d.start(spec('a')).then((s) => { done = true; return s; });
  const tick = async (ms: number): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); clock.advance(ms); for (let i = 0; i < 10; i++) await Promise.resolve(); };
  await tick(500);
  await tick(999);
  assert.equal(done, false);
  await tick(1);
  assert.equal((await p).power, 'running');
});

test('start reports its phases with rising percent, ending at 100', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  const seen: JobProgress[] = [];
  await d.start(spec('a'), { onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen.map((p) => p.phase), ['preparing', 'creating NICs', 'spawning', 'booting', 'done']);
  const pct = seen.map((p) => p.percent ?? -1);
  assert.deepEqual([...pct].sort((a, b) => a - b), pct);
  assert.equal(pct.at(-1), 100);
});

test('failAfter: a save that fails mid-way undoes its steps; the guest runs, no state file is left', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  await d.start(spec('a'));
  const before = d.host.snapshot();
  d.failAfter('save', 2, 'disk full');
  await assert.rejects(d.save('a', '/state'), isDriverError('host_failure', /disk full/));
  assert.deepEqual(await d.inspect('a'), { instanceId: 'a', power: 'running' });
  assert.deepEqual(d.host.snapshot(), before);
  assert.equal(d.host.stateFiles.has('/state'), false);
  d.failAfter('start', 99, 'fails at the very end');
  await assert.rejects(d.start(spec('b')), isDriverError('start_failed', /very end/));
  assert.deepEqual(d.host.snapshot(), before, 'every step of the start was undone');
});

test('a new driver over the same FakeHost (agent restart) lists the guests and gets their events', async () => {
  const host = new FakeHost('h');
  const d1 = new FakeDriver({ hostname: 'h', host });
  await d1.start(spec('a'));
  await d1.close();
  const d2 = new FakeDriver({ hostname: 'h', host });
  const events: DriverEvent[] = [];
  d2.onEvent((e) => events.push(e));
  assert.deepEqual(await d2.list(), [{ instanceId: 'a', power: 'running' }]);
  d2.guestPoweroff('a');
  assert.deepEqual(events, [{ kind: 'power', instanceId: 'a', power: 'stopped', reason: 'guest-shutdown' }]);
});

test('regression: guestCrash emitted crashed while inspect said stopped; now both say crashed', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  const events: DriverEvent[] = [];
  d.onEvent((e) => events.push(e));
  await d.start(spec('a'));
  d.guestCrash('a');
  assert.deepEqual(events.map((e) => e.kind === 'power' && e.power), ['crashed']);
  assert.equal((await d.inspect('a')).power, 'crashed');
  assert.deepEqual(d.host.runtimeArtifacts('a'), [], 'the crashed guest holds no process');
  assert.equal((await d.start(spec('a'))).power, 'running', 'a crashed guest starts again');
});

test('the old helpers still work: failNextStart, hangNextStart, wipe, runningCount', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  d.failNextStart('Could not open');
  await assert.rejects(d.start(spec('a')), isDriverError('start_failed', /Could not open/));
  await d.start(spec('a'));
  assert.equal(d.runningCount(), 1);
  d.hangNextStart();
  const hung = d.start(spec('b'));
  await d.close();
  await assert.rejects(hung, isDriverError('timeout'));
  d.wipe();
  assert.deepEqual(await d.list(), []);
  assert.deepEqual(d.host.snapshot(), []);
});

test('the console shell keeps variables across save and restore', async () => {
  const d = new FakeDriver({ hostname: 'h' });
  await d.start(spec('a'));
  await d.consoleWrite('a', Buffer.from('X=v-$((2*3)); echo "$X"\n'));
  assert.match((await d.consoleLog('a')).toString(), /\r\nv-6\r\n/);
  await d.save('a', '/s');
  await d.restore(spec('a'), '/s');
  await d.consoleWrite('a', Buffer.from('echo again-$X\n'));
  assert.match((await d.consoleLog('a')).toString(), /\r\nagain-v-6\r\n/);
});

test('a restore cancelled mid-way leaves the instance saved and the state file in place', async () => {
  const d = new FakeDriver({ hostname: 'h', delays: { other: 20 } });
  await d.start(spec('a'));
  await d.save('a', '/s');
  const before = d.host.snapshot();
  const ac = new AbortController();
  const phases: string[] = [];
  const p = d.restore(spec('a'), '/s', {
    signal: ac.signal,
    onProgress: (pr) => {
      phases.push(pr.phase);
      if (pr.phase === 'loading state') ac.abort();
    },
  });
  await assert.rejects(p, isDriverError('cancelled', /restore of a cancelled/));
  assert.deepEqual(phases, ['preparing', 'creating NICs', 'spawning', 'loading state']);
  assert.equal((await d.inspect('a')).power, 'saved');
  assert.deepEqual(d.host.snapshot(), before);
  assert.equal((await d.restore(spec('a'), '/s')).power, 'running', 'the state file still restores');
});

test('an injected delay is cut short by the call\'s signal, changing nothing', async () => {
  const clock = new FakeClock();
  const d = new FakeDriver({ hostname: 'h', clock });
  d.inject('start', { kind: 'delay', ms: 60_000 });
  const ac = new AbortController();
  const p = d.start(spec('a'), { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await assert.rejects(p, isDriverError('cancelled'));
  assert.equal(clock.pendingTimers(), 0, 'the delay\'s timer was cleared');
  assert.deepEqual(await d.list(), []);
});
