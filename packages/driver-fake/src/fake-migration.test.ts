import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, migratedReason, type InstanceSpec, type JobProgress, type MigrationPolicy } from '@kumo/core';
import { FakeDriver } from './fake-driver.ts';

const spec = (id: string): InstanceSpec => ({
  instanceId: id, name: id, vcpus: 1, memoryMiB: 256, disks: [],
  nics: [{ nicId: `nic-${id}`, mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: `tap-${id}` }, pciSlot: 0x08 }],
  boot: {}, stopTimeoutSec: 5,
});
const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: true, postcopyAfterPasses: null, timeoutMs: 60_000 };
const incoming = { listenAddress: '10.0.0.2', receiveDisks: [] as string[], postcopy: false };
const isCode = (code: string) => (e: unknown) => e instanceof DriverError && e.code === code;

async function pair(): Promise<{ src: FakeDriver; dst: FakeDriver }> {
  const src = new FakeDriver({ hostname: 'src' });
  const dst = new FakeDriver({ hostname: 'dst' });
  await src.start(spec('a'));
  await src.consoleWrite('a', Buffer.from('COUNTER=7\r'));
  return { src, dst };
}

test('a live migration moves the guest with its memory: the source is paused (migrated), the target runs; progress has migration figures', async () => {
  const { src, dst } = await pair();
  const ep = await dst.prepareIncoming(spec('a'), incoming);
  assert.equal((await dst.inspect('a')).power, 'incoming');
  assert.deepEqual(await dst.prepareIncoming(spec('a'), incoming), ep, 'idempotent: the same endpoint');
  const frames: JobProgress[] = [];
  const result = await src.migrate('a', ep, policy, { onProgress: (p) => frames.push(p) });
  assert.ok(result.passes >= 1 && result.ramTransferredBytes >= 256 * 1048576);
  assert.ok(frames.some((f) => f.migration?.stage === 'pre-copy' && f.migration.pass >= 1));
  assert.deepEqual(await src.inspect('a'), { instanceId: 'a', power: 'paused', reason: migratedReason });
  assert.equal((await dst.finishIncoming('a', { timeoutMs: 1000 })).power, 'running');
  assert.equal(dst.host.guests.get('a')?.env['COUNTER'], '7', 'the memory (shell variables) came along');
  await src.destroy('a');
  assert.deepEqual(src.host.snapshot(), []);
});

test('cancel during pre-copy: the guest keeps running on the source, the target copy is destroyed cleanly', async () => {
  const { src, dst } = await pair();
  src.migrationFaults.dirtyRatio = 1; // never converges by itself
  src.migrationFaults.passMs = 10;
  const ep = await dst.prepareIncoming(spec('a'), incoming);
  const ac = new AbortController();
  const p = src.migrate('a', ep, { ...policy, autoConverge: false }, { signal: ac.signal, onProgress: (f) => { if ((f.migration?.pass ?? 0) >= 3) ac.abort(); } });
  await assert.rejects(p, isCode('cancelled'));
  assert.equal((await src.inspect('a')).power, 'running');
  await dst.destroy('a');
  assert.deepEqual(dst.host.snapshot(), []);
});

test('the target dies mid-stream: host_failure, the source runs on, the target says stopped', async () => {
  const { src, dst } = await pair();
  dst.migrationFaults.targetDiesAfterPasses = 1;
  src.migrationFaults.dirtyRatio = 0.9;
  const ep = await dst.prepareIncoming(spec('a'), incoming);
  await assert.rejects(src.migrate('a', ep, { ...policy, autoConverge: false }), isCode('host_failure'));
  assert.equal((await src.inspect('a')).power, 'running');
  assert.equal((await dst.inspect('a')).power, 'stopped');
  await assert.rejects(dst.finishIncoming('a', { timeoutMs: 10 }), isCode('start_failed'));
});

test('a disk mirror error fails the migration before memory moves; nothing listening is a refused connection', async () => {
  const { src, dst } = await pair();
  src.migrationFaults.mirrorError = 'NBD server closed the connection';
  const ep = await dst.prepareIncoming(spec('a'), { ...incoming, receiveDisks: ['vol-a'] });
  assert.deepEqual(ep.nbd?.exports, ['vol-a']);
  await assert.rejects(src.migrate('a', ep, policy), (e: unknown) => isCode('host_failure')(e) && /mirror error/.test((e as Error).message));
  assert.equal((await src.inspect('a')).power, 'running');
  await dst.destroy('a');
  await assert.rejects(src.migrate('a', ep, policy), (e: unknown) => isCode('host_failure')(e) && /connection refused/.test((e as Error).message));
});

test('slow convergence: auto-converge throttles until it fits the downtime limit; without it the policy timeout cancels', async () => {
  const { src, dst } = await pair();
  src.migrationFaults.dirtyRatio = 1;
  const ep = await dst.prepareIncoming(spec('a'), incoming);
  const throttles: number[] = [];
  const r = await src.migrate('a', ep, policy, { onProgress: (f) => { if (f.migration) throttles.push(f.migration.throttlePercent); } });
  assert.ok(Math.max(...throttles) > 0 && r.passes > 2, 'auto-converge throttled the guest');

  const b = new FakeDriver({ hostname: 'b' });
  await b.start(spec('b'));
  b.migrationFaults.dirtyRatio = 1;
  b.migrationFaults.passMs = 5;
  const ep2 = await dst.prepareIncoming(spec('b'), incoming);
  await assert.rejects(b.migrate('b', ep2, { ...policy, autoConverge: false, timeoutMs: 50 }), isCode('timeout'));
  assert.equal((await b.inspect('b')).power, 'running');
  assert.equal((await dst.inspect('b')).power, 'stopped', 'a failed stream ends the waiting copy');
  const ep3 = await dst.prepareIncoming(spec('b'), { ...incoming, postcopy: true });
  const pc = await b.migrate('b', ep3, { ...policy, autoConverge: false, postcopyAfterPasses: 2 });
  assert.equal(pc.postcopy, true, 'post-copy after 2 passes when the target allows it');
});
