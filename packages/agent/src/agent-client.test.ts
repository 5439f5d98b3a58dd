import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { InstanceSpec, InstanceStatus } from '@kumo/core';
import type { AgentToServer, CallMessage, HelloMessage } from '@kumo/api';
import { fakeDriverCapabilities } from '@kumo/driver-fake';
import { AgentClient } from './agent-client.ts';
import { SteppedSaveDriver } from './testing/stepped-save-driver.ts';
import { FakeVolumeManager } from './fake-volume-manager.ts';

const spec: InstanceSpec = { instanceId: 'i-1', name: 'vm1', vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1 };

/** A stand-in server: accepts the agent's hello, welcomes it with `generation`, and records every frame. */
async function fakeServer(generation: number, heartbeatIntervalMs = 60_000) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frames: AgentToServer[] = [];
  let sock: WebSocket | null = null;
  const hellos: HelloMessage[] = [];
  const waiters: Array<() => void> = [];
  wss.on('connection', (ws) => {
    sock = ws;
    ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString()) as AgentToServer;
      frames.push(f);
      if (f.type === 'hello') {
        hellos.push(f);
        ws.send(JSON.stringify({ type: 'welcome', hostId: 'host-1', hostToken: 'host-1.secret', heartbeatIntervalMs, serverTime: new Date().toISOString(), protocol: 2, generation }));
      }
      for (const w of waiters.splice(0)) w();
    });
  });
  const next = async <T extends AgentToServer>(pred: (f: AgentToServer) => f is T, from = 0): Promise<T> => {
    for (;;) {
      const found = frames.slice(from).find(pred);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, frames, hellos, next,
    call(msg: Omit<CallMessage, 'type'>) { sock?.send(JSON.stringify({ type: 'call', ...msg })); },
    reply(id: string) { return next((f): f is Extract<AgentToServer, { type: 'reply' }> => f.type === 'reply' && f.id === id); },
    jobDone(jobId: string) { return next((f): f is Extract<AgentToServer, { type: 'job' }> => f.type === 'job' && f.jobId === jobId && f.event === 'done'); },
    drop() { sock?.terminate(); },
    send(frame: object) { sock?.send(JSON.stringify(frame)); },
    close: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }),
  };
}

async function withAgent(steps: number, fn: (a: { srv: Awaited<ReturnType<typeof fakeServer>>; agent: AgentClient; driver: SteppedSaveDriver }) => Promise<void>, reconnectMs = 20) {
  return withAgentOpts(steps, reconnectMs, fn);
}

async function withAgentOpts(steps: number, reconnectMs: number, fn: (a: { srv: Awaited<ReturnType<typeof fakeServer>>; agent: AgentClient; driver: SteppedSaveDriver }) => Promise<void>) {
  const srv = await fakeServer(5);
  const driver = new SteppedSaveDriver('h1', steps);
  const agent = new AgentClient({ serverUrl: srv.url, token: 'jt.x', hostName: 'h1', address: '127.0.0.1', driver, volumes: new FakeVolumeManager('/pool'), reconnect: { minMs: reconnectMs, maxMs: reconnectMs } });
  agent.start();
  await agent.connected();
  try { await fn({ srv, agent, driver }); } finally { await agent.close(); await srv.close(); }
}

test('the hello carries capabilities and jobs; the welcome sets the fencing generation', async () => {
  await withAgent(1, async ({ srv, agent }) => {
    const hello = srv.hellos[0]!;
    assert.equal(hello.protocol, 2);
    assert.deepEqual(hello.capabilities, [...fakeDriverCapabilities], 'what the driver claims');
    assert.deepEqual(hello.jobs, []);
    assert.equal(agent.generation, 5);
  });
});

test('a call with malformed parameters is refused naming the field, and the driver is not called', async () => {
  await withAgent(1, async ({ srv, driver }) => {
    srv.call({ id: 'c1', method: 'instance.start', params: { spec: { ...spec, vcpus: 0 }, image: null }, timeoutMs: 5000, generation: 5 });
    const r = await srv.reply('c1');
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'bad_message');
    assert.match(r.error?.message ?? '', /\/spec\/vcpus/);
    assert.equal((await driver.list()).length, 0);
  });
});

test('an unknown method is refused', async () => {
  await withAgent(1, async ({ srv }) => {
    srv.call({ id: 'c1', method: 'instance.teleport', params: {}, timeoutMs: 5000 });
    const r = await srv.reply('c1');
    assert.equal(r.error?.code, 'unknown_method');
  });
});

test('a call made for an older generation of the host is refused (fencing)', async () => {
  await withAgent(1, async ({ srv, driver }) => {
    srv.call({ id: 'c1', method: 'instance.start', params: { spec, image: null }, timeoutMs: 5000, generation: 4, jobKey: 'k' });
    const r = await srv.reply('c1');
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'stale_generation');
    assert.equal((await driver.list()).length, 0, 'nothing was started');
  });
});

test('a job answers with its id, streams progress, ends once; the same key attaches instead of starting again', async () => {
  await withAgent(5, async ({ srv, driver }) => {
    await driver.start(spec);
    srv.call({ id: 'c1', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 10_000, generation: 5, jobKey: 'i-1:save:7' });
    const r1 = await srv.reply('c1');
    const jobId = r1.job?.jobId;
    assert.ok(jobId, 'answered at once with a job id');
    srv.call({ id: 'c2', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 10_000, generation: 5, jobKey: 'i-1:save:7' });
    assert.equal((await srv.reply('c2')).job?.jobId, jobId, 'same key, same job');
    const done = await srv.jobDone(jobId);
    assert.equal(done.state, 'succeeded');
    assert.equal((done.result as InstanceStatus).power, 'saved');
    assert.ok(srv.frames.some((f) => f.type === 'job' && f.jobId === jobId && f.event === 'progress' && (f.progress?.bytesTotal ?? 0) > 0), 'progress was streamed');
    assert.equal(driver.saves, 1, 'the work ran once');
  });
});

test('job.cancel stops a job; it ends cancelled and the guest runs on', async () => {
  await withAgent(50, async ({ srv, driver }) => {
    await driver.start(spec);
    srv.call({ id: 'c1', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 10_000, generation: 5, jobKey: 'k1' });
    const jobId = (await srv.reply('c1')).job!.jobId;
    srv.call({ id: 'c2', method: 'job.cancel', params: { jobId }, timeoutMs: 5000, generation: 5 });
    assert.deepEqual((await srv.reply('c2')).result, { found: true, state: 'running' });
    const done = await srv.jobDone(jobId);
    assert.equal(done.state, 'cancelled');
    assert.equal(done.error?.code, 'cancelled');
    assert.equal((await driver.inspect('i-1')).power, 'running');
  });
});

test('a job runs on while the link is down; the next hello lists it as running, and its end comes on the new link', async () => {
  await withAgent(20, async ({ srv, agent, driver }) => {
    await driver.start(spec);
    srv.call({ id: 'c1', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 10_000, generation: 5, jobKey: 'k1' });
    const jobId = (await srv.reply('c1')).job!.jobId;
    const before = srv.frames.length;
    srv.drop();
    await agent.connected();
    const hello = await srv.next((f): f is HelloMessage => f.type === 'hello', before);
    assert.equal(hello.jobs?.find((j) => j.jobId === jobId)?.state, 'running');
    const done = await srv.jobDone(jobId);
    assert.equal(done.state, 'succeeded');
    assert.equal(driver.saves, 1);
  });
});

test('a job that ends while the link is down is listed with its result in the next hello', async () => {
  await withAgentOpts(10, 600, async ({ srv, agent, driver }) => {
    await driver.start(spec);
    srv.call({ id: 'c1', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 10_000, generation: 5, jobKey: 'k1' });
    const jobId = (await srv.reply('c1')).job!.jobId;
    srv.drop();
    await new Promise((r) => setTimeout(r, 50));
    await agent.connected(); // 600 ms later: the save (10 × 20 ms) ended while disconnected
    const hello = await srv.next((f): f is HelloMessage => f.type === 'hello' && (f.jobs?.length ?? 0) > 0);
    const job = hello.jobs!.find((j) => j.jobId === jobId);
    assert.equal(job?.state, 'succeeded');
    assert.equal((job?.result as InstanceStatus).power, 'saved');
    assert.equal(driver.saves, 1);
  });
});

test('a job past its deadline is aborted and ends with a timeout', async () => {
  await withAgent(50, async ({ srv, driver }) => {
    await driver.start(spec);
    srv.call({ id: 'c1', method: 'instance.save', params: { instanceId: 'i-1', statePath: '/tmp/kumo-test-none/s' }, timeoutMs: 100, generation: 5, jobKey: 'k1' });
    const done = await srv.jobDone((await srv.reply('c1')).job!.jobId);
    assert.equal(done.state, 'failed');
    assert.equal(done.error?.code, 'timeout');
    assert.equal((await driver.inspect('i-1')).power, 'running');
  });
});

test('a host without a network agent: an apply that asks for nothing succeeds (no retry storm), one that asks for networks is refused', async () => {
  await withAgent(1, async ({ srv }) => {
    const empty = { version: 1, hostId: 'host-1', generation: 3, networks: [], nics: [], securityGroups: [], routers: [], dhcpServers: [] };
    srv.call({ id: 'c1', method: 'network.apply', params: { spec: empty }, timeoutMs: 5000, generation: 5 });
    const r1 = await srv.reply('c1');
    assert.equal(r1.ok, true);
    assert.deepEqual(r1.result, { generation: 3, ok: true, changes: [], errors: [], durationMs: 0 });
    srv.call({ id: 'c2', method: 'network.apply', params: { spec: { ...empty, networks: [{ networkId: 'net-1' }] } }, timeoutMs: 5000, generation: 5 });
    const r2 = await srv.reply('c2');
    assert.equal(r2.ok, false);
    assert.equal(r2.error?.code, 'invalid_state');
  });
});

test('half_open_link_after_cut_cable: a server silent for several heartbeats is dialled again (a cut host kept its dead TCP link and never re-registered)', { timeout: 30_000 }, async () => {
  // The stand-in server welcomes, then never answers a heartbeat: the link is up but nothing comes back.
  const srv = await fakeServer(5, 20);
  const agent = new AgentClient({ serverUrl: srv.url, token: 'jt.x', hostName: 'h1', address: '127.0.0.1', driver: new SteppedSaveDriver('h1', 1), volumes: new FakeVolumeManager('/pool'), reconnect: { minMs: 10, maxMs: 10 }, deadLinkAfterMs: 300 });
  agent.start();
  try {
    await agent.connected();
    const second = await srv.next((f): f is HelloMessage => f.type === 'hello', srv.frames.indexOf(srv.hellos[0]!) + 1);
    const unanswered = srv.frames.slice(0, srv.frames.indexOf(second)).filter((f) => f.type === 'heartbeat').length;
    assert.ok(srv.hellos.length >= 2, 'a new hello on a new connection');
    assert.ok(unanswered >= 5, `it sent several unanswered heartbeats first (${unanswered})`);
  } finally { await agent.close(); await srv.close(); }
});

test('a server that answers heartbeats keeps the connection', { timeout: 30_000 }, async () => {
  const srv = await fakeServer(5, 20);
  const agent = new AgentClient({ serverUrl: srv.url, token: 'jt.x', hostName: 'h1', address: '127.0.0.1', driver: new SteppedSaveDriver('h1', 1), volumes: new FakeVolumeManager('/pool'), reconnect: { minMs: 10, maxMs: 10 }, deadLinkAfterMs: 300 });
  agent.start();
  try {
    await agent.connected();
    // Answer every heartbeat with a lease frame, as the server does.
    let answered = 0;
    while (answered < 50) { // 1 s of heartbeats, past the silence limit
      const from = srv.frames.length;
      const hb = await srv.next((f): f is Extract<AgentToServer, { type: 'heartbeat' }> => f.type === 'heartbeat', from);
      srv.send({ type: 'lease', renewedAt: hb.at, leaseMs: 60_000, marginMs: 1000, haInstanceIds: [], leaseFiles: [] });
      answered++;
    }
    assert.equal(srv.hellos.length, 1, 'one connection all along');
  } finally { await agent.close(); await srv.close(); }
});
