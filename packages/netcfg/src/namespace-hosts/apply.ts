/**
 * Makes the machine match a namespace-hosts plan (plan.ts), idempotently: what exists and is right
 * is kept, what is missing is created, what is half-made (a veth without its peer, a missing
 * address) is repaired. A failed first creation removes what it made. Needs root.
 */
import { writeFileSync } from 'node:fs';
import { cidrsOverlap, parseCidr, type Ipv4Cidr } from '../ipv4-cidr.ts';
import { runCommand } from '../testbed/run-command.ts';
import type { NamespaceHostPlan, NamespaceHostsPlan } from './plan.ts';
import { listNetns, removeNamespaceHosts } from './remove.ts';

export interface EnsureResult {
  /** What had to be created or repaired ("created bridge kumo-br", ...); empty when all was in place. */
  changes: string[];
}

interface LinkInfo { ifname: string; link_type?: string; master?: string; operstate?: string; flags?: string[]; linkinfo?: { info_kind?: string } }

async function links(netns?: string): Promise<LinkInfo[]> {
  const argv = netns === undefined ? ['ip', '-j', '-d', 'link', 'show'] : ['ip', '-n', netns, '-j', '-d', 'link', 'show'];
  const r = await runCommand(argv, { allowFailure: true });
  if (r.code !== 0) return [];
  return JSON.parse(r.stdout || '[]') as LinkInfo[];
}

async function addresses(dev: string, netns?: string): Promise<string[]> {
  const argv = [...(netns === undefined ? ['ip'] : ['ip', '-n', netns]), '-4', '-o', 'addr', 'show', 'dev', dev];
  const r = await runCommand(argv, { allowFailure: true });
  return [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
}

function disableIpv6(dev: string): void {
  // No SLAAC/DAD chatter from these links in the root namespace.
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, '1');
  } catch {
    // IPv6 disabled host-wide: nothing to do
  }
}

/** Root-namespace addresses (not on `exceptDev`) overlapping `subnet`, as "addr dev". */
async function conflictingAddresses(subnet: Ipv4Cidr, exceptDev: string): Promise<string[]> {
  const r = await runCommand(['ip', '-4', '-o', 'addr', 'show']);
  const out: string[] = [];
  for (const m of r.stdout.matchAll(/^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+\/\d+)/gm)) {
    if (m[1] === exceptDev) continue;
    if (cidrsOverlap(parseCidr(m[2]!, { allowHostBits: true }), subnet)) out.push(`${m[2]} on ${m[1]}`);
  }
  return out;
}

async function ensureBridge(plan: NamespaceHostsPlan, changes: string[]): Promise<void> {
  const conflicts = await conflictingAddresses(parseCidr(plan.subnet), plan.bridge);
  if (conflicts.length > 0) throw new Error(`subnet: ${plan.subnet} is already used on this machine (${conflicts.join(', ')}); choose another`);
  const existing = (await links()).find((l) => l.ifname === plan.bridge);
  if (existing !== undefined && existing.linkinfo?.info_kind !== 'bridge') {
    throw new Error(`${plan.bridge} exists and is not a bridge (${existing.linkinfo?.info_kind ?? existing.link_type ?? 'unknown'}): delete it first`);
  }
  if (existing === undefined) {
    await runCommand(['ip', 'link', 'add', plan.bridge, 'type', 'bridge']);
    changes.push(`created bridge ${plan.bridge}`);
  }
  disableIpv6(plan.bridge);
  const want = `${plan.bridgeIp}/${plan.prefixLength}`;
  const have = await addresses(plan.bridge);
  if (!have.includes(want)) {
    for (const a of have) await runCommand(['ip', 'addr', 'del', a, 'dev', plan.bridge]);
    await runCommand(['ip', 'addr', 'add', want, 'dev', plan.bridge]);
    changes.push(`set ${want} on ${plan.bridge}`);
  }
  await runCommand(['ip', 'link', 'set', plan.bridge, 'up']);
}

async function ensureHost(plan: NamespaceHostsPlan, h: NamespaceHostPlan, changes: string[]): Promise<void> {
  if (!(await listNetns()).includes(h.netns)) {
    await runCommand(['ip', 'netns', 'add', h.netns]);
    changes.push(`created namespace ${h.netns}`);
  }
  await runCommand(['ip', '-n', h.netns, 'link', 'set', 'lo', 'up']);
  const rootVeth = (await links()).find((l) => l.ifname === h.rootVeth);
  const inner = (await links(h.netns)).find((l) => l.ifname === h.underlayDevice);
  const paired = rootVeth?.linkinfo?.info_kind === 'veth' && inner?.linkinfo?.info_kind === 'veth';
  if (!paired) {
    // Half-made or foreign: remove both ends and make the pair again.
    if (rootVeth !== undefined) await runCommand(['ip', 'link', 'del', h.rootVeth]);
    if (inner !== undefined) await runCommand(['ip', '-n', h.netns, 'link', 'del', h.underlayDevice], { allowFailure: true });
    await runCommand(['ip', 'link', 'add', h.rootVeth, 'type', 'veth', 'peer', 'name', h.underlayDevice, 'netns', h.netns]);
    changes.push(`created veth ${h.rootVeth} <-> ${h.netns}/${h.underlayDevice}`);
  }
  disableIpv6(h.rootVeth);
  if (rootVeth?.master !== plan.bridge || !paired) await runCommand(['ip', 'link', 'set', h.rootVeth, 'master', plan.bridge]);
  await runCommand(['ip', 'link', 'set', h.rootVeth, 'up']);
  const want = `${h.underlayIp}/${plan.prefixLength}`;
  const have = await addresses(h.underlayDevice, h.netns);
  if (!have.includes(want)) {
    for (const a of have) await runCommand(['ip', '-n', h.netns, 'addr', 'del', a, 'dev', h.underlayDevice]);
    await runCommand(['ip', '-n', h.netns, 'addr', 'add', want, 'dev', h.underlayDevice]);
    changes.push(`set ${want} on ${h.netns}/${h.underlayDevice}`);
  }
  await runCommand(['ip', '-n', h.netns, 'link', 'set', h.underlayDevice, 'up']);
}

/**
 * Creates or repairs the bridge and every host of the plan. When nothing of the plan existed
 * before and a step fails, everything made so far is removed again before the error is thrown.
 */
export async function ensureNamespaceHosts(plan: NamespaceHostsPlan): Promise<EnsureResult> {
  const changes: string[] = [];
  const existedBefore = (await links()).some((l) => l.ifname === plan.bridge) || (await listNetns()).some((n) => plan.hosts.some((h) => h.netns === n));
  try {
    await ensureBridge(plan, changes);
    for (const h of plan.hosts) await ensureHost(plan, h, changes);
  } catch (e) {
    if (!existedBefore && changes.length > 0) await removeNamespaceHosts({ prefix: plan.prefix });
    throw e;
  }
  return { changes };
}
