import { findCachedGuestKernel, findGuestKernel, guestKernelCacheDir } from '@kumo/image-tiny';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { findOvmf, probeAccelerator } from '@kumo/driver-qemu';
import type { HostProbe } from './doctor-checks.ts';

function firstLine(cmd: string, args: string[]): string | null {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).split('\n')[0]?.trim() || null; } catch { return null; }
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Try to create and delete a bridge inside a throw-away network namespace. */
function bridgeWorks(): boolean | null {
  if (process.getuid?.() !== 0) return null;
  const ns = `kumo-doctor-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['-n', ns, 'link', 'add', 'kd0', 'type', 'bridge'], { stdio: 'ignore' });
    return true;
  } catch { return false; } finally { spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); }
}

/** Forward-hook base chains with policy drop outside Kumo's own tables (nft -j list chains). */
function forwardDropChains(): string[] {
  try {
    const out = JSON.parse(execFileSync('nft', ['-j', 'list', 'chains'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })) as {
      nftables: Array<{ chain?: { family: string; table: string; name: string; hook?: string; policy?: string } }>;
    };
    return out.nftables.map((x) => x.chain).filter((c): c is NonNullable<typeof c> => c !== undefined && c.hook === 'forward' && c.policy === 'drop' && !c.table.startsWith('kumo'))
      .map((c) => `${c.family} ${c.table} ${c.name}`);
  } catch { return []; }
}

/** Look at this host the way the agent will need it. */
export async function probeHost(opts: { poolPaths: string[]; serverUrl?: string | undefined }): Promise<HostProbe> {
  const qemuVersion = firstLine('qemu-system-x86_64', ['--version']);
  let accelerator: HostProbe['accelerator'] = null;
  let acceleratorDetail = '';
  if (qemuVersion) {
    try { const r = await probeAccelerator(); accelerator = r.accel; acceleratorDetail = r.detail; } catch (e) { acceleratorDetail = String(e); accelerator = 'tcg'; }
  }
  const fwd = existsSync('/proc/sys/net/ipv4/ip_forward') ? readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1' : null;
  const kernel = findGuestKernel() ?? await findCachedGuestKernel(guestKernelCacheDir());
  const pools = opts.poolPaths.filter((p) => existsSync(p)).map((path) => {
    const s = statfsSync(path);
    return { path, freeGiB: (s.bavail * s.bsize) / 2 ** 30, totalGiB: (s.blocks * s.bsize) / 2 ** 30 };
  });
  let server: HostProbe['server'] = null;
  if (opts.serverUrl) {
    try {
      const t0 = Date.now();
      const res = await fetch(`${opts.serverUrl.replace(/\/+$/, '')}/api/v1/health`, { signal: AbortSignal.timeout(5000) });
      const t1 = Date.now();
      const body = await res.json() as { time?: string };
      const serverMs = body.time ? Date.parse(body.time) : NaN;
      server = { url: opts.serverUrl, reachable: res.ok, ...(Number.isFinite(serverMs) ? { clockSkewMs: Math.round(serverMs - (t0 + t1) / 2) } : {}) };
    } catch (e) {
      server = { url: opts.serverUrl, reachable: false, error: (e as Error).cause ? String((e as Error).cause) : (e as Error).message };
    }
  }
  const ovmf = await findOvmf();
  return {
    guestFirmware: { ovmf: ovmf !== undefined, secureBoot: ovmf?.secureCode !== undefined, swtpm: has('swtpm') },
    isRoot: process.getuid?.() === 0,
    qemuVersion, qemuImgVersion: firstLine('qemu-img', ['--version']), accelerator, acceleratorDetail,
    ipForward: fwd, bridgeWorks: bridgeWorks(),
    tools: { nft: has('nft'), dnsmasq: has('dnsmasq'), haproxy: has('haproxy'), busybox: has('busybox') },
    guestKernel: kernel ? `${kernel.version} (${kernel.vmlinuz})` : null,
    pools, server,
    bridgeNfCallIptables: existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables') ? readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1' : null,
    forwardDropChains: forwardDropChains(),
  };
}
