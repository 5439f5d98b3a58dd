/**
 * Parsers for iproute2's JSON output (`ip -d -j link show`, `ip -j addr show`,
 * `ip -j route show`): only the facts the appliers compare. Pure.
 */

export interface ObservedLink {
  name: string;
  /** linkinfo.info_kind: bridge, vxlan, vlan, veth, macvlan, tun ...; undefined for plain devices. */
  kind?: string;
  master?: string;
  mtu: number;
  /** Administratively up (the UP flag). */
  up: boolean;
  mac?: string;
  vxlan?: { id: number; local?: string; device?: string; port?: number; learning: boolean };
  vlan?: { id: number; device?: string };
}

interface RawLink {
  ifname?: string;
  master?: string;
  mtu?: number;
  flags?: string[];
  address?: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

function parseJsonArray(text: string, what: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const data = JSON.parse(trimmed) as unknown;
  if (!Array.isArray(data)) throw new Error(`${what}: expected a JSON array`);
  return data;
}

/** `ip -d -j link show` -> links by name. */
export function parseIpLinks(text: string): Map<string, ObservedLink> {
  const out = new Map<string, ObservedLink>();
  for (const item of parseJsonArray(text, 'ip link')) {
    const raw = item as RawLink;
    if (typeof raw.ifname !== 'string') continue;
    const link: ObservedLink = { name: raw.ifname, mtu: raw.mtu ?? 0, up: (raw.flags ?? []).includes('UP') };
    const kind = raw.linkinfo?.info_kind;
    if (kind !== undefined) link.kind = kind;
    if (raw.master !== undefined) link.master = raw.master;
    if (raw.address !== undefined) link.mac = raw.address.toLowerCase();
    const data = raw.linkinfo?.info_data ?? {};
    if (kind === 'vxlan') {
      link.vxlan = { id: Number(data.id), learning: data.learning !== false };
      if (typeof data.local === 'string') link.vxlan.local = data.local;
      if (typeof data.link === 'string') link.vxlan.device = data.link;
      if (typeof data.port === 'number') link.vxlan.port = data.port;
    } else if (kind === 'vlan') {
      link.vlan = { id: Number(data.id) };
      if (typeof raw.link === 'string') link.vlan.device = raw.link;
    }
    out.set(link.name, link);
  }
  return out;
}

/** `ip -j addr show [dev X]` -> IPv4 global addresses per device, as "ip/prefix". */
export function parseIpv4Addresses(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of parseJsonArray(text, 'ip addr')) {
    const raw = item as { ifname?: string; addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[] };
    if (typeof raw.ifname !== 'string') continue;
    const list = (raw.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.scope !== 'host' && typeof a.local === 'string')
      .map((a) => `${a.local}/${String(a.prefixlen)}`);
    out.set(raw.ifname, list);
  }
  return out;
}

export interface ObservedRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** `ip -j route show [default]`. */
export function parseIpRoutes(text: string): ObservedRoute[] {
  return parseJsonArray(text, 'ip route').map((item) => {
    const raw = item as { dst?: string; gateway?: string; dev?: string };
    const route: ObservedRoute = { dst: raw.dst ?? '' };
    if (raw.gateway !== undefined) route.gateway = raw.gateway;
    if (raw.dev !== undefined) route.dev = raw.dev;
    return route;
  });
}
