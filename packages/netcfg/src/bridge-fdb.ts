/**
 * VXLAN forwarding entries: parsing `bridge fdb show` and working out which
 * `bridge fdb` commands turn the current remote entries into the desired ones.
 *
 * Kumo's VXLAN devices run with `nolearning`: the agent programs, from the database,
 * one all-zero "flood" entry per other host in the network (head-end replication of
 * broadcast, unknown unicast and multicast), and optionally per-MAC entries for
 * instances on other hosts (so known unicast goes only where it belongs).
 */
import { NetcfgError } from './netcfg-error.ts';
import { formatIpv4, parseIpv4 } from './ipv4-cidr.ts';
import { parseMac } from './mac-address.ts';
import { checkInterfaceName } from './validate.ts';

export const FLOOD_MAC = '00:00:00:00:00:00';

export interface FdbEntry {
  mac: string;
  /** Present in `bridge fdb show` (without `dev X`) output. */
  dev?: string;
  /** Remote VTEP (VXLAN entries). */
  dst?: string;
  vlan?: number;
  master?: string;
  vni?: number;
  port?: number;
  /** Bare words: self, permanent, static, extern_learn, offload, ... */
  flags: string[];
}

const VALUE_KEYS = new Set(['dev', 'dst', 'vlan', 'master', 'port', 'vni', 'src_vni', 'via', 'nhid', 'used', 'updated']);

/**
 * Parses the text of `bridge fdb show [dev X]` (with or without -s). Lines that do
 * not start with a MAC are skipped; unknown words become flags.
 */
export function parseBridgeFdb(output: string): FdbEntry[] {
  const entries: FdbEntry[] = [];
  for (const line of output.split('\n')) {
    const words = line.trim().split(/\s+/);
    const first = words[0];
    if (first === undefined || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(first)) continue;
    const entry: FdbEntry = { mac: first.toLowerCase(), flags: [] };
    for (let i = 1; i < words.length; i++) {
      const word = words[i]!;
      const value = words[i + 1];
      if (VALUE_KEYS.has(word) && value !== undefined) {
        i++;
        if (word === 'dev') entry.dev = value;
        else if (word === 'dst') entry.dst = value;
        else if (word === 'master') entry.master = value;
        else if (word === 'vlan') entry.vlan = Number(value);
        else if (word === 'vni') entry.vni = Number(value);
        else if (word === 'port') entry.port = Number(value);
      } else {
        entry.flags.push(word);
      }
    }
    entries.push(entry);
  }
  return entries;
}

/** A remote entry on a VXLAN device: frames for `mac` go to VTEP `dst`. */
export interface FdbTarget {
  mac: string;
  dst: string;
}

/** One flood entry per remote VTEP. */
export function floodEntries(remoteIps: readonly string[]): FdbTarget[] {
  return remoteIps.map((ip, i) => ({ mac: FLOOD_MAC, dst: formatIpv4(parseIpv4(ip, `remoteIps[${i}]`)) }));
}

function key(t: FdbTarget): string {
  return `${t.mac} ${t.dst}`;
}

function prefix(tool: 'bridge' | 'ip', netns: string | undefined): string[] {
  return netns === undefined ? [tool] : [tool, '-n', netns];
}

export interface FdbSyncInput {
  /** Run the commands in this network namespace (`bridge -n NS`). */
  netns?: string;
  /** The VXLAN device. */
  device: string;
  desired: readonly FdbTarget[];
  /** Parsed `bridge fdb show dev <device>`; only entries with a dst are managed. */
  current: readonly FdbEntry[];
}

/**
 * The `bridge fdb` argv lists that turn the current remote entries into the desired
 * ones: appends first (no moment without a path), then deletes; each sorted, so the
 * output is stable. Local bridge entries (no dst) are never touched.
 */
export function planFdbSync(input: FdbSyncInput): string[][] {
  const dev = checkInterfaceName(input.device, 'device');
  const desired = new Map<string, FdbTarget>();
  input.desired.forEach((t, i) => {
    const norm = { mac: parseMac(t.mac, `desired[${i}].mac`), dst: formatIpv4(parseIpv4(t.dst, `desired[${i}].dst`)) };
    desired.set(key(norm), norm);
  });
  const current = new Map<string, FdbTarget>();
  for (const e of input.current) {
    if (e.dst === undefined) continue;
    if (e.dev !== undefined && e.dev !== dev) continue;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(e.dst)) {
      throw new NetcfgError('invalid', 'current', `unexpected non-IPv4 VTEP ${e.dst} on ${dev}`);
    }
    const t = { mac: e.mac, dst: e.dst };
    current.set(key(t), t);
  }
  const order = (a: FdbTarget, b: FdbTarget): number => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : parseIpv4(a.dst) - parseIpv4(b.dst));
  const adds = [...desired.values()].filter((t) => !current.has(key(t))).sort(order);
  const dels = [...current.values()].filter((t) => !desired.has(key(t))).sort(order);
  const bridge = prefix('bridge', input.netns);
  return [
    ...adds.map((t) => [...bridge, 'fdb', 'append', t.mac, 'dev', dev, 'dst', t.dst]),
    ...dels.map((t) => [...bridge, 'fdb', 'del', t.mac, 'dev', dev, 'dst', t.dst]),
  ];
}

/** `ip`/`bridge` argv head, optionally inside a namespace. */
export function toolArgv(tool: 'bridge' | 'ip', netns: string | undefined): string[] {
  return prefix(tool, netns);
}
