// The target side of a live migration against a scripted QMP peer (MockMigrationQemu): the QMP
// sequence that makes a waiting copy listen, the take-over on MIGRATION completed, a failed stream,
// idempotent prepare, and bad options naming their field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type IncomingEndpoint } from '@kumo/core';
import { harnessSpec, migrationHarness } from '../testing/migration-harness.ts';
import { finishIncoming, listen, prepareIncoming, watch } from './incoming.ts';
import { rejectsWith } from '../testing/rejects-with.ts';

test('listen: capabilities (events, postcopy-ram), NBD server and one writable export per received disk, migrate-incoming; port 0 is read back', async () => {
  const h = await migrationHarness();
  try {
    const endpoint = await listen(h.live.requireQmp(), { listenAddress: '127.0.0.1', receiveDisks: ['vol-root', 'vol-data'], postcopy: true, ports: { nbd: 49301 } });
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'events', state: true }, { capability: 'postcopy-ram', state: true }] } },
      { execute: 'nbd-server-start', arguments: { addr: { type: 'inet', data: { host: '127.0.0.1', port: '49301' } } } },
      { execute: 'block-export-add', arguments: { type: 'nbd', id: 'mig-vol-root', 'node-name': 'f-vol-root', name: 'vol-root', writable: true } },
      { execute: 'block-export-add', arguments: { type: 'nbd', id: 'mig-vol-data', 'node-name': 'f-vol-data', name: 'vol-data', writable: true } },
      { execute: 'migrate-incoming', arguments: { uri: 'tcp:127.0.0.1:0' } },
    ]);
    assert.deepEqual(endpoint, { uri: 'tcp:127.0.0.1:49200', nbd: { host: '127.0.0.1', port: 49301, exports: ['vol-root', 'vol-data'] } });
  } finally {
    await h.close();
  }
});

test('listen on shared storage with a given stream port: no NBD server, the port as given (IPv6 in brackets)', async () => {
  const h = await migrationHarness();
  try {
    const endpoint = await listen(h.live.requireQmp(), { listenAddress: '::1', receiveDisks: [], postcopy: false, ports: { stream: 49160 } });
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['migrate-set-capabilities', 'migrate-incoming']);
    assert.deepEqual(endpoint, { uri: 'tcp:[::1]:49160' });
  } finally {
    await h.close();
  }
});

test('the waiting copy takes over by itself on MIGRATION completed: NBD server stopped, cont; finishIncoming says running', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'inmigrate';
    const endpoint: IncomingEndpoint = { uri: 'tcp:127.0.0.1:49200', nbd: { host: '127.0.0.1', port: 49301, exports: ['vol-root'] } };
    h.rec.incoming = watch(h.ctx, h.rec, h.live, endpoint);
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    const finished = finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 });
    h.qemu.emit('MIGRATION', { status: 'active' });
    h.qemu.runState = 'paused';
    h.qemu.emit('MIGRATION', { status: 'completed' });
    assert.deepEqual(await finished, { instanceId: 'i-1', power: 'running' });
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['nbd-server-stop', 'cont']);
    assert.equal(h.rec.exitIntent, undefined, 'a later exit is reported as usual');
    assert.deepEqual(await finishIncoming(h.ctx, 'i-1', { timeoutMs: 1 }), { instanceId: 'i-1', power: 'running' }, 'idempotent');
  } finally {
    await h.close();
  }
});

test('take-over without an extra round trip: cont is sent without waiting for the answer to nbd-server-stop (the guest is paused meanwhile)', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'inmigrate';
    const endpoint: IncomingEndpoint = { uri: 'tcp:127.0.0.1:49200', nbd: { host: '127.0.0.1', port: 49301, exports: ['vol-root'] } };
    h.rec.incoming = watch(h.ctx, h.rec, h.live, endpoint);
    h.qemu.hold.set('nbd-server-stop', []);
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    const finished = finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 });
    h.qemu.runState = 'paused';
    h.qemu.emit('MIGRATION', { status: 'completed' });
    for (let i = 0; i < 200 && !h.qemu.changes().some((c) => c.execute === 'cont'); i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['nbd-server-stop', 'cont'], 'both sent, in this order, before nbd-server-stop was answered');
    h.qemu.release('nbd-server-stop');
    assert.deepEqual(await finished, { instanceId: 'i-1', power: 'running' });
  } finally {
    await h.close();
  }
});

test('take-over: an nbd-server-stop that fails after cont does not fail the take-over (the copy runs; the source must not be resumed beside it)', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'inmigrate';
    const endpoint: IncomingEndpoint = { uri: 'tcp:127.0.0.1:49200', nbd: { host: '127.0.0.1', port: 49301, exports: ['vol-root'] } };
    h.rec.incoming = watch(h.ctx, h.rec, h.live, endpoint);
    h.qemu.failOn.add('nbd-server-stop');
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    const finished = finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 });
    h.qemu.runState = 'paused';
    h.qemu.emit('MIGRATION', { status: 'completed' });
    assert.deepEqual(await finished, { instanceId: 'i-1', power: 'running' });
  } finally {
    await h.close();
  }
});

test('regression migrated_copy_resumed_by_its_old_incoming_watcher: a copy that took over and later migrates away is not continued by the take-over again', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'inmigrate';
    h.rec.incoming = watch(h.ctx, h.rec, h.live, { uri: 'tcp:127.0.0.1:49200' });
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    h.qemu.runState = 'paused';
    h.qemu.emit('MIGRATION', { status: 'completed' });
    await finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 });
    // the same QEMU is now the source of the next migration, which completes
    h.qemu.runState = 'postmigrate';
    h.qemu.emit('MIGRATION', { status: 'active' });
    h.qemu.emit('MIGRATION', { status: 'completed' });
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'paused');
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['cont'], 'one cont: the take-over, not after the outgoing migration');
    assert.equal(h.qemu.runState, 'postmigrate');
  } finally {
    await h.close();
  }
});

test('a failed stream: finishIncoming is start_failed with the reason; one that never comes times out', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'inmigrate';
    h.rec.incoming = watch(h.ctx, h.rec, h.live, { uri: 'tcp:127.0.0.1:49200' });
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    const waiting = finishIncoming(h.ctx, 'i-1', { timeoutMs: 5000 });
    h.clock.advance(4000);
    h.qemu.emit('MIGRATION', { status: 'failed' });
    await rejectsWith(waiting, 'start_failed', 'the stream failed');
    assert.deepEqual(h.rec.exitIntent, { power: 'stopped', reason: 'incoming migration failed' }, 'QEMU exiting now is no crash');
    h.rec.incoming = watch(h.ctx, h.rec, h.live, { uri: 'tcp:127.0.0.1:49200' });
    const late = finishIncoming(h.ctx, 'i-1', { timeoutMs: 5000 });
    h.clock.advance(5000);
    await rejectsWith(late, 'timeout', 'did not take over within 5000 ms');
    await rejectsWith(finishIncoming(h.ctx, 'i-9', { timeoutMs: 5 }), 'not_found', 'i-9');
  } finally {
    await h.close();
  }
});

test('prepareIncoming is idempotent while the copy waits, refuses a running instance, and names a bad option\'s field', async () => {
  const h = await migrationHarness();
  try {
    const endpoint: IncomingEndpoint = { uri: 'tcp:127.0.0.1:49200' };
    const opts = { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false };
    await rejectsWith(prepareIncoming(h.ctx, harnessSpec, opts), 'invalid_state', 'already runs on this host');
    h.qemu.runState = 'inmigrate';
    h.rec.incoming = watch(h.ctx, h.rec, h.live, endpoint);
    assert.deepEqual(await prepareIncoming(h.ctx, harnessSpec, opts), endpoint);
    await rejectsWith(prepareIncoming(h.ctx, harnessSpec, { ...opts, receiveDisks: ['vol-nope'] }), 'start_failed', 'receiveDisks names vol-nope');
    await rejectsWith(prepareIncoming(h.ctx, harnessSpec, { ...opts, listenAddress: 'a b' }), 'start_failed', 'listenAddress');
    await rejectsWith(prepareIncoming(h.ctx, harnessSpec, { ...opts, ports: { nbd: 70000 } }), 'start_failed', 'ports.nbd');
    assert.deepEqual(h.qemu.changes(), [], 'no QMP command was sent');
  } finally {
    await h.close();
  }
});
