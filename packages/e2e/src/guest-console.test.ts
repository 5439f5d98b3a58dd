import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ApiError, KumoClient, type DisplayTicket, type Operation } from '@kumo/api';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/** What a WebSocket gave: the first binary frames until `bytes` arrived, or how it closed. */
interface WsOutcome { data: Buffer; closeCode: number | null; status: number | null }

/** Opens a WebSocket, optionally writes `send` after the first data, collects until `want` bytes or close. */
function openWs(url: string, headers: Record<string, string>, want: number, send?: Buffer[]): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const chunks: Buffer[] = [];
    let sent = false;
    const done = (o: Partial<WsOutcome>) => { resolve({ data: Buffer.concat(chunks), closeCode: null, status: null, ...o }); ws.terminate(); };
    ws.once('unexpected-response', (_req, res) => { res.resume(); done({ status: res.statusCode ?? 0 }); });
    ws.on('message', (d: Buffer, isBinary) => {
      if (!isBinary) return; // an error body before a close
      chunks.push(d);
      if (!sent && send) { sent = true; for (const s of send) ws.send(s); }
      if (Buffer.concat(chunks).length >= want) done({});
    });
    ws.once('close', (code) => done({ closeCode: code }));
    ws.once('error', (e) => { if (!chunks.length) reject(e); });
  });
}

/** An RFB 3.8 client's first messages: version, security type None, ClientInit (shared), then a full update request. */
function rfbClientHello(width: number, height: number): Buffer[] {
  const req = Buffer.alloc(10);
  req.writeUInt8(3, 0); req.writeUInt8(0, 1); req.writeUInt16BE(0, 2); req.writeUInt16BE(0, 4); req.writeUInt16BE(width, 6); req.writeUInt16BE(height, 8);
  return [Buffer.from('RFB 003.008\n'), Buffer.from([1]), Buffer.from([1]), req];
}

const pngSize = (png: Buffer) => ({ magic: png.subarray(0, 8).toString('hex'), width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

/**
 * The graphical console through the real server and agents (fake hosts: their driver serves a small
 * RFB server and a PNG of the same picture; real QEMU is in integration/qemu-hosts.test.ts): tenant
 * check, Origin check, one-time tickets, screenshots.
 */
describe('graphical console and screenshots (fake hosts)', () => {
  let cloud: TestCloud; let alice: KumoClient; let bob: KumoClient; let aliceToken = ''; let instanceId = ''; let ws = '';

  before(async () => {
    cloud = await startTestCloud({ hosts: 1 });
    ws = cloud.url.replace('http', 'ws');
    const login = async (name: string) => {
      await cloud.client.create('accounts', { name, username: name, password: `${name}-password-1` });
      const c = new KumoClient({ baseUrl: cloud.url });
      const token = (await c.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: name, password: `${name}-password-1` } })).token;
      c.setToken(token);
      return { c, token };
    };
    const a = await login('alice-gc'); alice = a.c; aliceToken = a.token;
    bob = (await login('bob-gc')).c;
    const op = await alice.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'gfx', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small } });
    assert.equal(op.status, 'succeeded', op.message);
    instanceId = op.resourceId;
  });
  after(async () => { await cloud.close(); });

  test('screenshot: a PNG of the guest\'s screen for its owner; another account gets 404', async () => {
    const res = await fetch(`${cloud.url}/api/v1/instances/${instanceId}/screenshot`, { headers: { authorization: `Bearer ${aliceToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(pngSize(Buffer.from(await res.arrayBuffer())), { magic: '89504e470d0a1a0a', width: 640, height: 400 });
    await assert.rejects(bob.requestText('GET', `/api/v1/instances/${instanceId}/screenshot`), (e: ApiError) => e.code === 'not_found');
  });

  test('VNC WebSocket: the RFB handshake and a framebuffer update reach the owner; another account is refused 404; a foreign Origin 403', async () => {
    const got = await openWs(`${ws}/api/v1/instances/${instanceId}/vnc`, { authorization: `Bearer ${aliceToken}` }, 12 + 2 + 4 + 24 + 3 + 16, rfbClientHello(640, 400));
    assert.equal(got.data.subarray(0, 12).toString(), 'RFB 003.008\n');
    const init = got.data.subarray(18);
    assert.deepEqual([init.readUInt16BE(0), init.readUInt16BE(2)], [640, 400], 'ServerInit: the screen size');
    const bobToken = bob.tokenValue() ?? '';
    const refused = await openWs(`${ws}/api/v1/instances/${instanceId}/vnc`, { authorization: `Bearer ${bobToken}` }, 1);
    assert.equal(refused.closeCode, 4404, 'not_found for another account');
    const foreign = await openWs(`${ws}/api/v1/instances/${instanceId}/vnc`, { authorization: `Bearer ${aliceToken}`, origin: 'https://evil.example' }, 1);
    assert.equal(foreign.status, 403);
  });

  test('one-time ticket: opens the console once without other credentials, then never again; a foreign Origin does not use it up; another account cannot get one', async () => {
    const t = await alice.request<DisplayTicket>('POST', `/api/v1/instances/${instanceId}/vnc/tickets`);
    assert.equal(t.path, `/vnc/${t.ticket}`);
    const foreign = await openWs(`${ws}/api/v1/vnc/${t.ticket}`, { origin: 'https://evil.example' }, 1);
    assert.equal(foreign.closeCode, 4403);
    const first = await openWs(`${ws}/api/v1/vnc/${t.ticket}`, {}, 12);
    assert.equal(first.data.toString(), 'RFB 003.008\n');
    const again = await openWs(`${ws}/api/v1/vnc/${t.ticket}`, {}, 1);
    assert.equal(again.closeCode, 4401, 'a used ticket is refused');
    await assert.rejects(bob.request('POST', `/api/v1/instances/${instanceId}/vnc/tickets`), (e: ApiError) => e.code === 'not_found');
  });

  test('guest agent on a host whose driver has none: 409 invalid_state naming it; another account 404', async () => {
    await assert.rejects(alice.request('GET', `/api/v1/instances/${instanceId}/guest`), (e: ApiError) => e.code === 'invalid_state' && /no guest agent client/.test(e.message));
    await assert.rejects(bob.request('GET', `/api/v1/instances/${instanceId}/guest`), (e: ApiError) => e.code === 'not_found');
    await assert.rejects(bob.request('POST', `/api/v1/instances/${instanceId}/password`, { body: { user: 'root', password: 'x' } }), (e: ApiError) => e.code === 'not_found');
    await assert.rejects(alice.request('POST', `/api/v1/instances/${instanceId}/password`, { body: { user: 'bad user', password: 'x' } }), (e: ApiError) => e.code === 'bad_request');
  });

  test('a stopped instance has no screen: 409 invalid_state', async () => {
    const op = await alice.request<Operation>('POST', `/api/v1/instances/${instanceId}/stop`, { query: { wait: true }, body: {} });
    assert.equal(op.status, 'succeeded', op.message);
    await assert.rejects(alice.requestText('GET', `/api/v1/instances/${instanceId}/screenshot`), (e: ApiError) => e.code === 'invalid_state');
  });
});
