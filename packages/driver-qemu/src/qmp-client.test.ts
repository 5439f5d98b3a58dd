import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, QmpError, connectQmpWithRetry, type QmpEvent } from './qmp-client.ts';
import { MockQmp, event, send, type Cmd } from './testing/mock-qmp.ts';

async function withMock(
  t: { after: (fn: () => Promise<void>) => void },
  onCommand: (cmd: Cmd, conn: Socket, mock: MockQmp) => void,
  greet = true,
): Promise<MockQmp> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qmp-'));
  const mock = new MockQmp(join(dir, 'qmp.sock'), onCommand, greet);
  t.after(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });
  await mock.listen();
  return mock;
}

test('connect reads the greeting and negotiates capabilities first', async (t) => {
  const mock = await withMock(t, (cmd, conn) => send(conn, { return: { status: 'running', running: true }, id: cmd.id }));
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  assert.deepEqual(qmp.greeting?.version.qemu, { major: 7, minor: 2, micro: 22 });
  assert.deepEqual(qmp.greeting?.capabilities, ['oob']);
  assert.equal(mock.received[0]?.execute, 'qmp_capabilities');
  const status = await qmp.execute<{ status: string }>('query-status');
  assert.equal(status.status, 'running');
  assert.equal(mock.received[1]?.execute, 'query-status');
  assert.equal(typeof mock.received[1]?.id, 'string');
});

test('replies are matched by id even when they arrive out of order', async (t) => {
  const held: Cmd[] = [];
  const mock = await withMock(t, (cmd, conn) => {
    held.push(cmd);
    if (held.length === 3) {
      // answer in reverse order, each echoing its own name
      for (const c of [...held].reverse()) send(conn, { return: { name: c.execute, arg: c.arguments?.['n'] }, id: c.id });
    }
  });
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  const results = await Promise.all([
    qmp.execute('cmd-a', { n: 1 }),
    qmp.execute('cmd-b', { n: 2 }),
    qmp.execute('cmd-c', { n: 3 }),
  ]);
  assert.deepEqual(results, [
    { name: 'cmd-a', arg: 1 },
    { name: 'cmd-b', arg: 2 },
    { name: 'cmd-c', arg: 3 },
  ]);
});

test('events interleaved with replies reach listeners in order, split across writes', async (t) => {
  const mock = await withMock(t, (cmd, conn) => {
    if (cmd.execute === 'stop') {
      // an event before the reply, with the reply split in the middle of a line
      send(conn, event('STOP'));
      const reply = `${JSON.stringify({ return: {}, id: cmd.id })}\n`;
      conn.write(reply.slice(0, 7));
      setImmediate(() => {
        conn.write(reply.slice(7) + JSON.stringify(event('RESUME')) + '\n' + JSON.stringify(event('SHUTDOWN', { guest: true, reason: 'guest-shutdown' })));
        conn.write('\n');
      });
    }
  });
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  const seen: QmpEvent[] = [];
  let resolveAll: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const off = qmp.onEvent((e) => {
    seen.push(e);
    if (seen.length === 3) resolveAll();
  });
  assert.deepEqual(await qmp.execute('stop'), {});
  await all;
  off();
  assert.deepEqual(seen.map((e) => e.event), ['STOP', 'RESUME', 'SHUTDOWN']);
  assert.deepEqual(seen[2]?.data, { guest: true, reason: 'guest-shutdown' });
  assert.deepEqual(seen[0]?.timestamp, { seconds: 1, microseconds: 2 });
});

test('a command without reply times out; its late reply is dropped and the connection stays usable', async (t) => {
  let late: Cmd | undefined;
  const mock = await withMock(t, (cmd, conn) => {
    if (cmd.execute === 'slow') late = cmd;
    else {
      if (late) send(conn, { return: { late: true }, id: late.id }); // arrives after the timeout
      send(conn, { return: { ok: cmd.execute }, id: cmd.id });
    }
  });
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  await assert.rejects(qmp.execute('slow', undefined, { timeoutMs: 50 }), (err: unknown) => {
    assert.ok(err instanceof QmpError);
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /slow: no reply within 50 ms/);
    return true;
  });
  assert.deepEqual(await qmp.execute('fast'), { ok: 'fast' });
  assert.equal(qmp.closed, false);
});

test('an error reply rejects with QEMU\'s desc and class', async (t) => {
  const mock = await withMock(t, (cmd, conn) =>
    send(conn, { error: { class: 'DeviceNotFound', desc: "Device 'nope' not found" }, id: cmd.id }),
  );
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  await assert.rejects(qmp.execute('device_del', { id: 'nope' }), (err: unknown) => {
    assert.ok(err instanceof QmpError);
    assert.equal(err.kind, 'command');
    assert.equal(err.errorClass, 'DeviceNotFound');
    assert.equal(err.message, "QMP device_del: Device 'nope' not found");
    return true;
  });
});

test('the socket closing mid-command rejects pending commands and notifies close listeners', async (t) => {
  const mock = await withMock(t, (cmd, conn) => {
    if (cmd.execute === 'quit') conn.destroy();
  });
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  const closed = new Promise<QmpError>((resolve) => qmp.onClose(resolve));
  await assert.rejects(qmp.execute('quit'), (err: unknown) => {
    assert.ok(err instanceof QmpError);
    assert.equal(err.kind, 'closed');
    return true;
  });
  assert.equal((await closed).kind, 'closed');
  assert.equal(qmp.closed, true);
  await assert.rejects(qmp.execute('query-status'), /connection is closed/);
});

test('connect fails clearly when there is no greeting in time (monitor busy with another client)', async (t) => {
  const mock = await withMock(t, () => {}, false);
  await assert.rejects(QmpClient.connect(mock.path, { timeoutMs: 80 }), (err: unknown) => {
    assert.ok(err instanceof QmpError);
    assert.equal(err.kind, 'timeout');
    return true;
  });
});

test('connect fails with kind connect when the socket does not exist', async () => {
  await assert.rejects(QmpClient.connect('/nonexistent/kumo/qmp.sock'), (err: unknown) => {
    assert.ok(err instanceof QmpError);
    assert.equal(err.kind, 'connect');
    assert.equal(err.code, 'ENOENT');
    return true;
  });
});

test('garbage from the peer is a protocol error that closes the client', async (t) => {
  const mock = await withMock(t, (_cmd, conn) => conn.write('this is not json\n'));
  const qmp = await QmpClient.connect(mock.path);
  t.after(() => qmp.close());
  await assert.rejects(qmp.execute('query-status'), (err: unknown) => err instanceof QmpError && err.kind === 'protocol');
  assert.equal(qmp.closed, true);
});

test('connectQmpWithRetry waits for a socket that appears later, and stops when told to', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qmp-'));
  const mock = new MockQmp(join(dir, 'qmp.sock'), (cmd, conn) => send(conn, { return: {}, id: cmd.id }));
  t.after(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });
  let attempts = 0;
  const pending = connectQmpWithRetry(mock.path, {
    retryIntervalMs: 5,
    deadlineMs: 5000,
    shouldContinue: () => {
      attempts++;
      if (attempts === 3) void mock.listen(); // the "QEMU" comes up after two failed attempts
      return true;
    },
  });
  const qmp = await pending;
  t.after(() => qmp.close());
  assert.ok(attempts >= 3);
  assert.deepEqual(await qmp.execute('cont'), {});

  await assert.rejects(
    connectQmpWithRetry(join(dir, 'never.sock'), { retryIntervalMs: 1, shouldContinue: () => false }),
    (err: unknown) => err instanceof QmpError && err.kind === 'closed',
  );
  await assert.rejects(
    connectQmpWithRetry(join(dir, 'never.sock'), { retryIntervalMs: 1, deadlineMs: 30 }),
    (err: unknown) => err instanceof QmpError && err.kind === 'timeout' && /ENOENT/.test(err.message),
  );
});
