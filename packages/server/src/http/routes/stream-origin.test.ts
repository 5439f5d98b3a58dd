import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';
import { sessionCookieName } from '../auth-hook.ts';

// Over a real loopback socket: the console WebSocket and the event stream check Origin.
describe('live streams check Origin (cookie sessions cannot open them from another origin)', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>; let base: string; let host: string;
  before(async () => {
    ({ server, token, close } = await inProcessServer({ origins: { allowedOrigins: ['https://console.example.com'] } }));
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    host = new URL(base).host;
  });
  after(async () => { await close(); });

  const cookie = () => `${sessionCookieName}=${encodeURIComponent(token)}`;

  /** Open the console WebSocket; resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
  function openConsole(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/instances/i-missing/console`, { headers });
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume(); ws.terminate(); });
      ws.once('open', () => { resolve(101); ws.close(); });
      ws.once('error', reject);
    });
  }

  /** GET the event stream; resolves with the status and closes it. */
  function openStream(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}/api/v1/stream`, { headers }, (res) => { resolve(res.statusCode ?? 0); res.destroy(); req.destroy(); });
      req.once('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
      req.end();
    });
  }

  test('console WebSocket: a cookie session from another origin is refused (403); same origin and allow-listed origins open', async () => {
    assert.equal(await openConsole({ cookie: cookie(), origin: 'https://evil.example' }), 403);
    assert.equal(await openConsole({ cookie: cookie(), origin: 'http://127.0.0.1:1' }), 403, 'another port is another origin');
    assert.equal(await openConsole({ cookie: cookie(), origin: 'null' }), 403);
    assert.equal(await openConsole({ cookie: cookie() }), 403, 'a cookie WebSocket without Origin is not a browser we can check');
    assert.equal(await openConsole({ cookie: cookie(), origin: `http://${host}` }), 101);
    assert.equal(await openConsole({ cookie: cookie(), origin: 'https://console.example.com' }), 101);
    assert.equal(await openConsole({ authorization: `Bearer ${token}` }), 101, 'the CLI (bearer token, no Origin) still opens it');
    assert.equal(await openConsole({ authorization: `Bearer ${token}`, origin: 'https://evil.example' }), 403, 'a foreign page is refused whatever it sends');
  });

  test('event stream: a cookie session from another origin is refused (403); same origin and allow-listed origins stream', async () => {
    assert.equal(await openStream({ cookie: cookie(), origin: 'https://evil.example' }), 403);
    assert.equal(await openStream({ cookie: cookie(), origin: `http://${host}` }), 200);
    assert.equal(await openStream({ cookie: cookie(), origin: 'https://console.example.com' }), 200);
    assert.equal(await openStream({ cookie: cookie() }), 200, 'same-origin EventSource sends no Origin');
  });
});
