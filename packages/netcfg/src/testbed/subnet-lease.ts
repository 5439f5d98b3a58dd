/**
 * Claims a /24 for one testbed's underlay/management bridge in the root namespace.
 * Pool: 10.251.0.0/16 (a private range Kumo's tests own). A /24 is taken only when
 * no root-namespace route or address overlaps it, and claimed with an exclusive lock
 * file so parallel runs never pick the same one. Locks of dead processes are stale:
 * their leftovers (namespaces and links named kt-<id>-*) are swept before reuse.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidrsOverlap, formatIpv4, parseCidr, type Ipv4Cidr } from '../ipv4-cidr.ts';
import { removeNamespaceHosts } from '../namespace-hosts/remove.ts';
import { runCommand } from './run-command.ts';

export const TESTBED_POOL = '10.251.0.0/16';
export const TESTBED_LOCK_DIR = '/tmp/kumo-testbed-locks';

export interface SubnetLease {
  subnet: Ipv4Cidr;
  lockFile: string;
}

interface LockContent {
  pid: number;
  id: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Root-namespace IPv4 routes and addresses, as CIDRs. */
async function rootPrefixes(): Promise<Ipv4Cidr[]> {
  const out: Ipv4Cidr[] = [];
  const routes = await runCommand(['ip', '-4', 'route', 'show', 'table', 'all']);
  for (const line of routes.stdout.split('\n')) {
    const words = line.trim().split(/\s+/);
    const dest = ['local', 'broadcast', 'unicast', 'blackhole', 'unreachable', 'prohibit'].includes(words[0] ?? '') ? words[1] : words[0];
    if (dest === undefined || dest === '' || dest === 'default') continue;
    try {
      out.push(parseCidr(dest.includes('/') ? dest : `${dest}/32`, { allowHostBits: true }));
    } catch {
      // not an IPv4 destination
    }
  }
  const addrs = await runCommand(['ip', '-4', '-o', 'addr', 'show']);
  for (const m of addrs.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    out.push(parseCidr(m[1]!, { allowHostBits: true }));
  }
  return out;
}

/** Deletes namespaces and root-namespace links named kt-<id>-*, and the testbed's temp dir. */
export async function sweepTestbedLeftovers(id: string): Promise<void> {
  await removeNamespaceHosts({ prefix: id });
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith('kumo-testbed-') && entry.includes(`-${id}-`)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function readLock(file: string): LockContent | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

/** Sweeps leftovers of testbeds whose process died, and removes their locks. */
export async function sweepStaleTestbeds(): Promise<void> {
  mkdirSync(TESTBED_LOCK_DIR, { recursive: true });
  for (const f of readdirSync(TESTBED_LOCK_DIR)) {
    const file = join(TESTBED_LOCK_DIR, f);
    const lock = readLock(file);
    if (lock === undefined || alive(lock.pid)) continue;
    await sweepTestbedLeftovers(lock.id);
    rmSync(file, { force: true });
  }
}

/** Claims a free /24 of the pool for testbed `id`. */
export async function leaseSubnet(id: string): Promise<SubnetLease> {
  await sweepStaleTestbeds();
  const pool = parseCidr(TESTBED_POOL);
  const start = randomInt(256);
  for (let i = 0; i < 256; i++) {
    const third = (start + i) % 256;
    const subnet = { network: (pool.network + third * 256) >>> 0, prefix: 24 };
    const lockFile = join(TESTBED_LOCK_DIR, `${formatIpv4(subnet.network)}.lock`);
    try {
      writeFileSync(lockFile, JSON.stringify({ pid: process.pid, id } satisfies LockContent), { flag: 'wx' });
    } catch {
      continue; // claimed by a live testbed
    }
    if ((await rootPrefixes()).some((p) => p.prefix > 0 && cidrsOverlap(p, subnet))) {
      rmSync(lockFile, { force: true });
      continue;
    }
    return { subnet, lockFile };
  }
  throw new Error(`no free /24 left in ${TESTBED_POOL} for a testbed`);
}

/** The n-th address of a lease (1 = the bridge). */
export function leaseAddress(lease: SubnetLease, n: number): string {
  return formatIpv4(lease.subnet.network + n);
}
