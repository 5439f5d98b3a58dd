/**
 * The "guest" of bench/network/create-to-usable.ts. Runs inside a guest network namespace (started
 * with `ip netns exec`) before the instance exists; its eth0 appears when the bench's driver creates
 * the NIC's veth, and SIGUSR2 says the instance was started (QEMU's `cont`). Then it does what the tiny
 * guest image does after boot: eth0 up, busybox udhcpc with the given options until it has a lease,
 * then, at the same time, pings its gateway and asks 169.254.169.254 for its instance id, each retried
 * until it succeeds. Prints one JSON line per milestone on stdout; the bench timestamps each line when
 * it arrives (no clocks are compared across processes). Exits after the last milestone or on failure.
 *
 *   ip netns exec <guest> node --import tsx guest-probe.ts <udhcpc-script> <deadline, epoch ms> [udhcpc args...]
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';

export type ProbeEvent =
  | { event: 'ready' }
  /** discoversMs / boundMs: when udhcpc printed each "discover" line and the lease line, ms after SIGUSR2. */
  | { event: 'lease'; ip: string; gateway: string; discovers: number; discoversMs: number[]; boundMs: number }
  | { event: 'ping'; attempts: number }
  | { event: 'metadata'; attempts: number; body: string }
  | { event: 'failed'; step: string; message: string };

const [script, deadlineArg, ...udhcpcArgs] = process.argv.slice(2);
const deadline = Number(deadlineArg);
const say = (e: ProbeEvent): void => { process.stdout.write(`${JSON.stringify(e)}\n`); };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let goAt = 0;

/** Runs argv; `lines` gets each output line with its arrival in ms after SIGUSR2. */
function run(argv: string[], lines?: Array<[number, string]>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer): void => {
      const at = performance.now() - goAt;
      output += d.toString();
      for (const line of d.toString().split('\n')) if (line !== '') lines?.push([at, line]);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (e) => { output += String(e); });
    child.on('close', (code) => resolve({ code, output }));
  });
}

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function lease(): Promise<string> {
  await run(['ip', 'link', 'set', 'eth0', 'up']);
  // -q: exit once bound (the event script has configured address, routes and MTU by then).
  const lines: Array<[number, string]> = [];
  const r = await run(['busybox', 'udhcpc', '-f', '-q', '-i', 'eth0', '-s', script!, ...udhcpcArgs], lines);
  const m = /KUMO-LEASE (\S+) (\S*)/.exec(r.output);
  if (r.code !== 0 || m === null) throw new Error(`udhcpc exited ${String(r.code)}: ${r.output.trim()}`);
  const discoversMs = lines.filter(([, l]) => / discover/.test(l)).map(([at]) => Math.round(at));
  const boundMs = Math.round(lines.find(([, l]) => /lease of .* obtained/.test(l))?.[0] ?? NaN);
  say({ event: 'lease', ip: m[1]!, gateway: m[2]!, discovers: discoversMs.length, discoversMs, boundMs });
  return m[2]!;
}

async function ping(gateway: string): Promise<void> {
  for (let attempts = 1; ; attempts++) {
    if ((await run(['busybox', 'ping', '-c', '1', '-W', '1', gateway])).code === 0) { say({ event: 'ping', attempts }); return; }
    if (Date.now() > deadline) throw new Error(`no answer from ${gateway} after ${attempts} pings`);
    await sleep(50);
  }
}

async function metadata(): Promise<void> {
  for (let attempts = 1; ; attempts++) {
    const r = await httpGet('http://169.254.169.254/latest/meta-data/instance-id', 1000);
    if (r?.status === 200) { say({ event: 'metadata', attempts, body: r.body.trim() }); return; }
    if (Date.now() > deadline) throw new Error(`no instance id after ${attempts} requests (last: ${r ? `${r.status} ${r.body}` : 'no answer'})`);
    await sleep(50);
  }
}

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (e) { say({ event: 'failed', step: name, message: (e as Error).message }); process.exitCode = 1; }
}

process.once('SIGUSR2', () => {
  goAt = performance.now();
  void (async () => {
    let gateway = '';
    await step('lease', async () => { gateway = await lease(); });
    if (gateway !== '') await Promise.all([step('ping', () => ping(gateway)), step('metadata', metadata)]);
    process.exit();
  })();
});
setTimeout(() => { say({ event: 'failed', step: 'start', message: 'never started' }); process.exit(1); }, Math.max(0, deadline - Date.now())).unref();
// Keep the process alive until SIGUSR2 (the timer above is unref'd).
const keepAlive = setInterval(() => undefined, 1 << 30);
process.once('exit', () => clearInterval(keepAlive));
say({ event: 'ready' });
