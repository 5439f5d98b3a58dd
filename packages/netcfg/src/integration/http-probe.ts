/**
 * Tiny HTTP endpoints and clients run with node inside test namespaces: the server
 * answers "<name> <client address>", so tests can see what NAT did to the source.
 */
import type { Testbed, TestbedProcess } from '../testbed/index.ts';
import { waitFor } from '../testbed/index.ts';

const SERVER = `
const [name, host, port] = process.argv.slice(1);
require('node:http').createServer((q, r) => r.end(name + ' ' + q.socket.remoteAddress))
  .listen(Number(port), host, () => console.log('listening'));
`;

const CLIENT = `
const [url, ms] = process.argv.slice(1);
const req = require('node:http').get(url, { timeout: Number(ms) }, (res) => {
  let body = '';
  res.on('data', (d) => { body += d; });
  res.on('end', () => process.stdout.write(body));
});
req.on('timeout', () => { process.stdout.write('TIMEOUT'); process.exitCode = 2; req.destroy(); });
req.on('error', (e) => { if (!process.exitCode) { process.stdout.write('ERROR ' + e.code); process.exitCode = 3; } });
`;

/** Starts an echo server in `netns` and waits until it listens. */
export async function startEchoServer(tb: Testbed, netns: string, name: string, port: number, host = '0.0.0.0'): Promise<TestbedProcess> {
  const p = tb.spawnIn(netns, [process.execPath, '-e', SERVER, name, host, String(port)]);
  await waitFor(() => p.output().includes('listening') || p.child.exitCode !== null, { timeoutMs: 10_000, what: `echo server ${name}` });
  if (!p.output().includes('listening')) throw new Error(`echo server ${name} failed: ${p.output()}`);
  return p;
}

/** GETs url from `netns`: the body, or "TIMEOUT" / "ERROR <code>". */
export async function httpGet(tb: Testbed, netns: string, url: string, timeoutMs = 1500): Promise<string> {
  const r = await tb.execIn(netns, [process.execPath, '-e', CLIENT, url, String(timeoutMs)], { allowFailure: true, timeoutMs: timeoutMs + 10_000 });
  return r.stdout;
}
