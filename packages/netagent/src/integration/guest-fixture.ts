/**
 * Helpers for the agent's integration tests: "guests" are testbed namespaces whose
 * eth0 is a veth into a host bridge (the host end plays the QEMU tap). They get
 * their address by DHCP (busybox udhcpc), serve HTTP with busybox httpd and make
 * requests with a tiny node client (busybox wget's -T crashes in Debian's static
 * build, and tests need timeouts).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';

const UDHCPC_SCRIPT = `#!/bin/sh
# busybox udhcpc event script: configure the lease (address, route, MTU).
case "$1" in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    ;;
esac
exit 0
`;

const HTTP_CLIENT = `
const [method, url, ms] = process.argv.slice(1);
const req = require('node:http').request(url, { method, timeout: Number(ms) }, (res) => {
  let body = '';
  res.on('data', (d) => { body += d; });
  res.on('end', () => process.stdout.write(res.statusCode + ' ' + body));
});
let done = false;
req.on('timeout', () => { done = true; process.stdout.write('TIMEOUT'); req.destroy(); });
req.on('error', (e) => { if (!done) { done = true; process.stdout.write('ERROR ' + e.code); } });
req.end();
`;

/** Writes the udhcpc event script into `dir`; returns its path. */
export function writeUdhcpcScript(dir: string): string {
  const path = join(dir, 'udhcpc.sh');
  writeFileSync(path, UDHCPC_SCRIPT);
  chmodSync(path, 0o755);
  return path;
}

/** Runs one DHCP exchange in the guest; returns the leased address (or throws with udhcpc's output). */
export async function dhcpLease(tb: Testbed, guest: string, script: string): Promise<string> {
  const r = await tb.execIn(guest, ['busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '6', '-T', '1', '-s', script], { allowFailure: true, timeoutMs: 20_000 });
  const m = /lease of (\d+\.\d+\.\d+\.\d+) obtained/.exec(r.stdout + r.stderr);
  if (m === null) throw new Error(`no DHCP lease in ${guest}: ${r.stdout}${r.stderr}`);
  return m[1]!;
}

export async function pings(tb: Testbed, netns: string, ip: string): Promise<boolean> {
  const r = await tb.execIn(netns, ['busybox', 'ping', '-c', '1', '-W', '1', ip], { allowFailure: true });
  return r.code === 0;
}

/** "<status> <body>", "TIMEOUT" or "ERROR <code>". */
export async function http(tb: Testbed, netns: string, url: string, options: { method?: string; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const r = await tb.execIn(netns, [process.execPath, '-e', HTTP_CLIENT, options.method ?? 'GET', url, String(timeoutMs)], { allowFailure: true, timeoutMs: timeoutMs + 10_000 });
  return r.stdout;
}

/**
 * Serves `files` (path -> content; executable when the path starts with cgi-bin/)
 * with busybox httpd on 0.0.0.0:port in `netns`; waits until it answers.
 */
export async function startHttpd(tb: Testbed, netns: string, port: number, files: Record<string, string>): Promise<TestbedProcess> {
  const root = join(tb.tempDir, `www-${netns}-${port}`);
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    if (path.startsWith('cgi-bin/')) chmodSync(file, 0o755);
  }
  const p = tb.spawnIn(netns, ['busybox', 'httpd', '-f', '-p', `0.0.0.0:${port}`, '-h', root]);
  await waitFor(async () => (await http(tb, netns, `http://127.0.0.1:${port}/`)).startsWith('200 ') || p.child.exitCode !== null, { timeoutMs: 10_000, what: `httpd in ${netns}` });
  if (p.child.exitCode !== null) throw new Error(`httpd in ${netns} exited: ${p.output()}`);
  return p;
}

/** CGI script answering with the client's address, for SNAT checks. */
export const REMOTE_ADDR_CGI = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s" "$REMOTE_ADDR"\n';
