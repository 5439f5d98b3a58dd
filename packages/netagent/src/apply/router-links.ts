/**
 * The links of a router namespace: a veth from rg0 into the network's bridge, and
 * rp0 on the public side (a veth into a public bridge, or a macvlan on a physical
 * device), with deterministic MACs; then their addresses and the default route.
 * A shared network's DHCP server namespace uses the guest leg and the addressing
 * helpers alone (its owner is 'dhcp-server'). Each function observes, changes only
 * what differs, and registers undo steps for what it creates.
 */
import { normalizeIpv4 } from '@kumo/netcfg';
import { actionFor, type ChangeAction, type ChangeLog, type ObjectHistory } from '../apply-report.ts';
import type { RouterSpec } from '../host-network-spec.ts';
import type { HostShell } from '../host-shell.ts';
import { planAddressSync } from '../interface-address.ts';
import { parseIpLinks, parseIpRoutes, parseIpv4Addresses, type ObservedLink } from '../ip-json.ts';
import {
  derivedMac, ROUTER_GUEST_IFNAME, ROUTER_PUBLIC_IFNAME, routerGuestVethName, routerPublicLinkName,
} from '../network-names.ts';
import type { Revert } from '../revert.ts';
import { routerGuestAddress } from '../router-artifacts.ts';

/** Whose namespace it is; changes are logged as `<owner>-link`, `<owner>-address`, `<owner>-route`. */
export type NetnsOwner = 'router' | 'dhcp-server';

export interface NetnsLinkContext {
  shell: HostShell;
  netns: string;
  owner: NetnsOwner;
  /** routerId or serverId: link names, MACs and change-log ids derive from it. */
  id: string;
  history: ObjectHistory;
  log: ChangeLog;
  revert: Revert;
}

export interface RouterLinkContext extends NetnsLinkContext {
  router: RouterSpec;
  /** The bridge of the router's network and its MTU. */
  guestBridge: string;
  mtu: number;
}

async function links(shell: HostShell, netns: string | undefined): Promise<Map<string, ObservedLink>> {
  const argv = netns === undefined ? shell.ipArgv('-d', '-j', 'link', 'show') : ['ip', '-n', netns, '-d', '-j', 'link', 'show'];
  return parseIpLinks((await shell.run(argv)).stdout);
}

function note(ctx: NetnsLinkContext, detail: string, action: ChangeAction = actionFor(ctx.history)): void {
  ctx.log.add(action, `${ctx.owner}-link`, ctx.id, detail);
}

/** Host-side attributes of a veth end: bridge port, MTU, up. */
async function ensureHostPort(ctx: NetnsLinkContext, name: string, link: ObservedLink | undefined, bridge: string, mtu: number | undefined): Promise<void> {
  if (link !== undefined && link.master === bridge && link.up && (mtu === undefined || link.mtu === mtu)) return;
  await ctx.shell.ip(['link', 'set', 'dev', name, ...(mtu === undefined ? [] : ['mtu', String(mtu)]), 'master', bridge, 'up']);
  note(ctx, `attach ${name} to ${bridge}`);
}

/** Router-side attributes: MAC, MTU, up. */
async function ensureRouterSide(ctx: NetnsLinkContext, name: string, link: ObservedLink | undefined, mac: string, mtu: number | undefined): Promise<void> {
  if (link !== undefined && link.mac === mac && link.up && (mtu === undefined || link.mtu === mtu)) return;
  await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'set', 'dev', name, 'address', mac, ...(mtu === undefined ? [] : ['mtu', String(mtu)]), 'up']);
  note(ctx, `set ${name} ${mac} up`);
}

async function createVeth(ctx: NetnsLinkContext, hostName: string, routerName: string, mac: string, mtu: number | undefined): Promise<void> {
  const mtuArgs = mtu === undefined ? [] : ['mtu', String(mtu)];
  await ctx.shell.ip(['link', 'add', hostName, ...mtuArgs, 'type', 'veth', 'peer', 'name', routerName, ...mtuArgs, 'address', mac, 'netns', ctx.netns]);
  ctx.revert.add(`delete ${hostName}`, () => ctx.shell.ip(['link', 'del', hostName], { allowFailure: true }));
  note(ctx, `create veth ${hostName} <-> ${ctx.netns}:${routerName}`);
}

/** A veth pair whose ends are both present is kept; a half pair is deleted and recreated. */
async function ensureVeth(ctx: NetnsLinkContext, hostName: string, routerName: string, bridge: string, mac: string, mtu: number | undefined): Promise<void> {
  let host = (await links(ctx.shell, undefined)).get(hostName);
  let inner = (await links(ctx.shell, ctx.netns)).get(routerName);
  if (host?.kind !== 'veth' || inner?.kind !== 'veth') {
    if (host !== undefined) await ctx.shell.ip(['link', 'del', hostName]);
    if (inner !== undefined) await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', routerName]);
    await createVeth(ctx, hostName, routerName, mac, mtu);
    host = (await links(ctx.shell, undefined)).get(hostName);
    inner = (await links(ctx.shell, ctx.netns)).get(routerName);
  }
  await ensureHostPort(ctx, hostName, host, bridge, mtu);
  await ensureRouterSide(ctx, routerName, inner, mac, mtu);
}

/** rp0 as a macvlan (bridge mode) on a physical device of the host. */
async function ensureMacvlan(ctx: RouterLinkContext, device: string, mac: string): Promise<void> {
  const temp = routerPublicLinkName(ctx.router.routerId);
  const inner = await links(ctx.shell, ctx.netns);
  let rp0 = inner.get(ROUTER_PUBLIC_IFNAME);
  if (rp0?.kind !== 'macvlan') {
    if (rp0 !== undefined) await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', ROUTER_PUBLIC_IFNAME]);
    // Leftovers of an interrupted creation, on either side.
    if (inner.has(temp)) await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', temp]);
    if ((await links(ctx.shell, undefined)).has(temp)) await ctx.shell.ip(['link', 'del', temp]);
    if (!(await links(ctx.shell, undefined)).has(device)) throw new Error(`public device ${device} does not exist on this host`);
    await ctx.shell.ip(['link', 'add', temp, 'link', device, 'address', mac, 'type', 'macvlan', 'mode', 'bridge']);
    ctx.revert.add(`delete ${temp}`, () => ctx.shell.ip(['link', 'del', temp], { allowFailure: true }));
    await ctx.shell.ip(['link', 'set', temp, 'netns', ctx.netns]);
    ctx.revert.add(`delete ${ctx.netns}:${temp}`, () => ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', temp], { allowFailure: true }));
    await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'set', temp, 'name', ROUTER_PUBLIC_IFNAME]);
    ctx.revert.add(`delete ${ctx.netns}:${ROUTER_PUBLIC_IFNAME}`, () => ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', ROUTER_PUBLIC_IFNAME], { allowFailure: true }));
    note(ctx, `create macvlan ${ctx.netns}:${ROUTER_PUBLIC_IFNAME} on ${device}`);
    rp0 = (await links(ctx.shell, ctx.netns)).get(ROUTER_PUBLIC_IFNAME);
  }
  await ensureRouterSide(ctx, ROUTER_PUBLIC_IFNAME, rp0, mac, undefined);
}

/** rg0 in the namespace, its host end krg-<s> a port of the network's bridge. */
export async function ensureGuestLeg(ctx: NetnsLinkContext, bridge: string, mtu: number): Promise<void> {
  await ensureVeth(ctx, routerGuestVethName(ctx.id), ROUTER_GUEST_IFNAME, bridge, derivedMac(ctx.id, 'guest'), mtu);
}

export async function ensureRouterLinks(ctx: RouterLinkContext): Promise<void> {
  const id = ctx.router.routerId;
  await ensureGuestLeg(ctx, ctx.guestBridge, ctx.mtu);
  const attach = ctx.router.public.attach;
  if ('bridge' in attach) {
    const bridge = (await links(ctx.shell, undefined)).get(attach.bridge);
    if (bridge?.kind !== 'bridge') throw new Error(`public bridge ${attach.bridge} does not exist on this host`);
    const inner = (await links(ctx.shell, ctx.netns)).get(ROUTER_PUBLIC_IFNAME);
    if (inner !== undefined && inner.kind !== 'veth') await ctx.shell.run(['ip', '-n', ctx.netns, 'link', 'del', ROUTER_PUBLIC_IFNAME]);
    await ensureVeth(ctx, routerPublicLinkName(id), ROUTER_PUBLIC_IFNAME, attach.bridge, derivedMac(id, 'public'), undefined);
  } else {
    const host = (await links(ctx.shell, undefined)).get(routerPublicLinkName(id));
    if (host?.kind === 'veth') await ctx.shell.ip(['link', 'del', routerPublicLinkName(id)]); // switched from bridge to device
    await ensureMacvlan(ctx, attach.device, derivedMac(id, 'public'));
  }
}

/** The addresses of the namespace's devices (`[device, "ip/prefix"[]]`) and its default route. */
export async function ensureNetnsAddressing(ctx: NetnsLinkContext, wanted: [string, string[]][], defaultRoute: { gateway: string; dev: string }): Promise<void> {
  const addrs = parseIpv4Addresses((await ctx.shell.run(['ip', '-n', ctx.netns, '-j', 'addr', 'show'])).stdout);
  for (const [device, desired] of wanted) {
    for (const argv of planAddressSync({ netns: ctx.netns, device, desired, current: addrs.get(device) ?? [] })) {
      await ctx.shell.run(argv);
      ctx.log.add(actionFor(ctx.history), `${ctx.owner}-address`, ctx.id, `${argv[4]} ${argv[5]} on ${device}`);
    }
  }
  const gateway = normalizeIpv4(defaultRoute.gateway);
  const routes = parseIpRoutes((await ctx.shell.run(['ip', '-n', ctx.netns, '-j', 'route', 'show', 'default'])).stdout);
  if (!routes.some((r) => r.gateway === gateway && r.dev === defaultRoute.dev)) {
    await ctx.shell.run(['ip', '-n', ctx.netns, 'route', 'replace', 'default', 'via', gateway, 'dev', defaultRoute.dev]);
    ctx.log.add(actionFor(ctx.history), `${ctx.owner}-route`, ctx.id, `default via ${gateway}`);
  }
}

export async function ensureRouterAddressing(ctx: RouterLinkContext): Promise<void> {
  await ensureNetnsAddressing(ctx, [
    [ROUTER_GUEST_IFNAME, [routerGuestAddress(ctx.router)]],
    [ROUTER_PUBLIC_IFNAME, ctx.router.public.ips],
  ], { gateway: ctx.router.public.gateway, dev: ROUTER_PUBLIC_IFNAME });
}
