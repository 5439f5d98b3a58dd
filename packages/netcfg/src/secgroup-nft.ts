/**
 * Security groups of one host: stateful per-NIC filtering on the host side of each
 * tap, plus anti-spoofing. Rendered as one nft file that replaces Kumo's tables
 * atomically (`nft -f` in the host namespace).
 *
 * Where the rules hook in, and why
 * --------------------------------
 * Guest taps are ports of a Linux bridge, so guest traffic is *bridged*, not routed:
 * the ip/inet hooks never see it with the tap as interface. The `bridge` family sees
 * each frame with the tap as iifname (frames from the guest, prerouting) or oifname
 * (frames to the guest, postrouting — once per port, also for flooded frames), so
 * that is where per-NIC rules belong. Two modes, chosen per host from its kernel:
 *
 * - 'bridge' (preferred; needs nf_conntrack_bridge, Linux >= 5.3, a module on
 *   Debian/Ubuntu/RHEL kernels): one `table bridge kumo_sg`; chain nic_<tap>_from
 *   does anti-spoofing and egress rules, nic_<tap>_to ingress rules, both with
 *   `ct state`.
 * - 'br_netfilter' (for kernels without bridge conntrack but with br_netfilter and
 *   bridge-nf-call-iptables=1, e.g. the CI machines): nft cannot read conntrack in
 *   bridge tables there, and the inet hooks only see the bridge, not the port. So
 *   the bridge table does anti-spoofing and tags each frame in the packet mark with
 *   the NIC it came from (bits 12-23) and the NIC it goes to (bits 0-11); `table
 *   inet kumo_sg` then runs the stateful rules per NIC by mark (egress in
 *   prerouting, ingress in forward). Kumo owns mark bits 0x00ffffff on its hosts;
 *   at most 4095 NICs per host. Traffic the host itself sends to a guest is not
 *   filtered in this mode (it does not cross the bridge forward hook).
 *
 * Semantics (EC2 security groups): rules only allow; a NIC's rules are the union
 * of its groups'; anything not allowed is dropped; replies of allowed connections
 * pass (stateful). A NIC without groups gets no traffic except the exemptions.
 * Always allowed: ARP, DHCP client traffic, the metadata service 169.254.169.254:80
 * and DNS to the NIC's resolvers. Anti-spoofing: a tap may only send frames from its
 * MAC, IPv4 from its IPs (DHCP discover from 0.0.0.0 excepted), ARP claiming its MAC
 * and IPs (or 0.0.0.0 for address probes); no IPv6, no VLAN-tagged or other
 * ethertypes, no DHCP server replies. Guest IPv6 is not offered yet.
 */
import { NetcfgError } from './netcfg-error.ts';
import type { HostNetCapabilities } from './host-capabilities.ts';
import { formatIpv4, parseCidr, parseIpv4 } from './ipv4-cidr.ts';
import { parseMac } from './mac-address.ts';
import {
  nftChain, checkNftTableName, nftAddressMatch, nftAddressSet, nftComment, nftIdentifier, nftQuote, nftReplaceTablePreamble, nftRule,
} from './nft-syntax.ts';
import { checkTrafficMatch, nftTrafficMatch, type TrafficMatch } from './traffic-match.ts';
import { checkId, checkInterfaceName } from './validate.ts';
import { METADATA_IP } from './router-config.ts';

export type SecurityGroupMode = 'bridge' | 'br_netfilter';

/** One allow rule; the peer is either a CIDR or the members of a group. */
export interface SecurityGroupRule extends TrafficMatch {
  id?: string;
  /** Source (ingress) or destination (egress) CIDR; exclusive with groupId. */
  cidr?: string;
  /** Peer group: its members' IPs, anywhere in the zone; exclusive with cidr. */
  groupId?: string;
}

export interface SecurityGroup {
  id: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
  /** IPs of every NIC in the group (zone-wide), for rules that reference the group. */
  memberIps: string[];
}

export interface SecuredNic {
  nicId: string;
  /** Host-side tap (or veth) name. */
  tap: string;
  mac: string;
  /** The NIC's IPv4 addresses (primary first); at least one. */
  ips: string[];
  groupIds: string[];
  /** Resolvers the NIC may always query (its network's DNS server). */
  dnsServers?: string[];
}

export interface SecurityGroupHostConfig {
  mode: SecurityGroupMode;
  /** Table name used in both families; default "kumo_sg". */
  table?: string;
  /** Every group a NIC of this host is in or a rule references. */
  groups: SecurityGroup[];
  nics: SecuredNic[];
}

export const DEFAULT_SECGROUP_TABLE = 'kumo_sg';
/** Mark bits Kumo owns in br_netfilter mode. */
export const SECGROUP_MARK_MASK = 0x00ffffff;
export const MAX_NICS_PER_HOST_BR_NETFILTER = 0xfff;

/** The group every account starts with (EC2 "default"): members talk freely, all egress. */
export function defaultSecurityGroupRules(groupId: string): Pick<SecurityGroup, 'ingress' | 'egress'> {
  return {
    ingress: [{ protocol: 'all', groupId }],
    egress: [{ protocol: 'all', cidr: '0.0.0.0/0' }],
  };
}

/** Picks the security-group mode for a host, or explains why it cannot enforce them. */
export function chooseSecurityGroupMode(caps: HostNetCapabilities): { ok: true; mode: SecurityGroupMode } | { ok: false; reason: string } {
  if (caps.bridgeConntrack) return { ok: true, mode: 'bridge' };
  if (caps.brNetfilter) return { ok: true, mode: 'br_netfilter' };
  return {
    ok: false,
    reason: 'this host cannot enforce stateful security groups: its kernel has neither nf_conntrack_bridge (CONFIG_NF_CONNTRACK_BRIDGE) nor br_netfilter (CONFIG_BRIDGE_NETFILTER). Load one of those modules.',
  };
}

interface CheckedNic {
  nic: SecuredNic;
  chainBase: string;
  /** 1-based, by tap name; the mark id in br_netfilter mode. */
  index: number;
}

function validate(config: SecurityGroupHostConfig): { nics: CheckedNic[]; groups: Map<string, SecurityGroup>; setNames: Map<string, string> } {
  if (config.mode !== 'bridge' && config.mode !== 'br_netfilter') {
    throw new NetcfgError('invalid', 'mode', `mode is "bridge" or "br_netfilter", not "${String(config.mode)}"`);
  }
  checkNftTableName(config.table ?? DEFAULT_SECGROUP_TABLE, 'table');
  const groups = new Map<string, SecurityGroup>();
  config.groups.forEach((g, i) => {
    checkId(g.id, `groups[${i}].id`);
    if (groups.has(g.id)) throw new NetcfgError('conflict', `groups[${i}].id`, `group ${g.id} is listed twice`);
    groups.set(g.id, g);
    g.memberIps.forEach((ip, j) => parseIpv4(ip, `groups[${i}].memberIps[${j}]`));
  });
  const setNames = new Map<string, string>();
  const setOwners = new Map<string, string>();
  config.groups.forEach((g, i) => {
    for (const direction of ['ingress', 'egress'] as const) {
      g[direction].forEach((r, j) => {
        const f = `groups[${i}].${direction}[${j}]`;
        if (r.id !== undefined) checkId(r.id, `${f}.id`);
        checkTrafficMatch(r, f);
        if ((r.cidr === undefined) === (r.groupId === undefined)) {
          throw new NetcfgError('invalid', f, 'a rule names exactly one peer: either cidr or groupId');
        }
        if (r.cidr !== undefined) parseCidr(r.cidr, { field: `${f}.cidr` });
        if (r.groupId !== undefined) {
          if (!groups.has(r.groupId)) throw new NetcfgError('invalid', `${f}.groupId`, `rule references group ${r.groupId}, which is not in groups`);
          const name = nftIdentifier('grp', r.groupId);
          const owner = setOwners.get(name);
          if (owner !== undefined && owner !== r.groupId) {
            throw new NetcfgError('conflict', `${f}.groupId`, `groups ${owner} and ${r.groupId} map to the same nft set name ${name}`);
          }
          setOwners.set(name, r.groupId);
          setNames.set(r.groupId, name);
        }
      });
    }
  });

  const taps = new Map<string, string>();
  const macs = new Set<string>();
  const sorted = [...config.nics].sort((a, b) => (a.tap < b.tap ? -1 : a.tap > b.tap ? 1 : 0));
  if (config.mode === 'br_netfilter' && sorted.length > MAX_NICS_PER_HOST_BR_NETFILTER) {
    throw new NetcfgError('out_of_range', 'nics', `br_netfilter mode supports at most ${MAX_NICS_PER_HOST_BR_NETFILTER} NICs per host`);
  }
  const nics = sorted.map((nic, index): CheckedNic => {
    const f = `nics[${config.nics.indexOf(nic)}]`;
    checkId(nic.nicId, `${f}.nicId`);
    checkInterfaceName(nic.tap, `${f}.tap`);
    const chainBase = nftIdentifier('nic', nic.tap);
    const clash = taps.get(chainBase);
    if (clash !== undefined) throw new NetcfgError('conflict', `${f}.tap`, `taps ${clash} and ${nic.tap} map to the same chain name ${chainBase}`);
    taps.set(chainBase, nic.tap);
    const mac = parseMac(nic.mac, `${f}.mac`);
    if (macs.has(mac)) throw new NetcfgError('conflict', `${f}.mac`, `MAC ${mac} is used by two NICs on this host`);
    macs.add(mac);
    if (nic.ips.length === 0) throw new NetcfgError('invalid', `${f}.ips`, `NIC ${nic.nicId} needs at least one IPv4 address`);
    nic.ips.forEach((ip, j) => parseIpv4(ip, `${f}.ips[${j}]`));
    (nic.dnsServers ?? []).forEach((ip, j) => parseIpv4(ip, `${f}.dnsServers[${j}]`));
    nic.groupIds.forEach((g, j) => {
      if (!groups.has(g)) throw new NetcfgError('invalid', `${f}.groupIds[${j}]`, `NIC ${nic.nicId} is in group ${g}, which is not in groups`);
    });
    return { nic, chainBase, index: index + 1 };
  });
  return { nics, groups, setNames };
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function antiSpoofLines(nic: SecuredNic): string[] {
  const mac = parseMac(nic.mac);
  const ips = nftAddressSet(nic.ips, 'ips');
  return [
    `ether saddr != ${mac} drop`,
    `arp saddr ether != ${mac} drop`,
    `arp saddr ip != ${nftAddressSet(['0.0.0.0', ...nic.ips], 'ips')} drop`,
    'ether type arp accept',
    'ether type != ip drop',
    'ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept',
    `ip saddr != ${ips} drop`,
    'udp sport 67 drop',
  ];
}

function ruleLines(nic: SecuredNic, direction: 'ingress' | 'egress', groups: Map<string, SecurityGroup>, setNames: Map<string, string>): string[] {
  const lines: string[] = [];
  const addr = direction === 'ingress' ? 'saddr' : 'daddr';
  for (const groupId of [...new Set(nic.groupIds)].sort()) {
    const group = groups.get(groupId)!;
    group[direction].forEach((r, i) => {
      const peer = r.groupId !== undefined
        ? `ip ${addr} @${setNames.get(r.groupId)!}`
        : nftAddressMatch(addr, [r.cidr!], `groups.${groupId}.${direction}[${i}].cidr`);
      lines.push(nftRule(peer, nftTrafficMatch(r), 'accept', nftComment(r.id)));
    });
  }
  return lines;
}

function statefulEgress(nic: SecuredNic, groups: Map<string, SecurityGroup>, setNames: Map<string, string>): string[] {
  const dns = nic.dnsServers ?? [];
  return [
    'ct state established,related accept',
    'ct state invalid drop',
    'udp sport 68 udp dport 67 accept',
    `ip daddr ${METADATA_IP} tcp dport 80 accept`,
    ...(dns.length === 0 ? [] : [`ip daddr ${nftAddressSet(dns, 'dnsServers')} udp dport 53 accept`, `ip daddr ${nftAddressSet(dns, 'dnsServers')} tcp dport 53 accept`]),
    ...ruleLines(nic, 'egress', groups, setNames),
    'counter drop',
  ];
}

function statefulIngress(nic: SecuredNic, groups: Map<string, SecurityGroup>, setNames: Map<string, string>): string[] {
  return [
    'ct state established,related accept',
    'ct state invalid drop',
    'udp sport 67 udp dport 68 accept',
    ...ruleLines(nic, 'ingress', groups, setNames),
    'counter drop',
  ];
}

function sortedUniqueIps(ips: readonly string[]): string[] {
  return [...new Set(ips.map((ip) => parseIpv4(ip)))].sort((a, b) => a - b).map(formatIpv4);
}

function setLines(groups: Map<string, SecurityGroup>, setNames: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [groupId, name] of [...setNames].sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    const members = sortedUniqueIps(groups.get(groupId)!.memberIps);
    out.push(
      `\tset ${name} {`,
      '\t\ttype ipv4_addr',
      `\t\tcomment ${nftQuote(groupId)}`,
      ...(members.length === 0 ? [] : [`\t\telements = { ${members.join(', ')} }`]),
      '\t}',
      '',
    );
  }
  return out;
}

function vmap(key: 'iifname' | 'oifname', nics: CheckedNic[], suffix: string): string[] {
  if (nics.length === 0) return [];
  return [`${key} vmap { ${nics.map((n) => `${nftQuote(n.nic.tap)} : jump ${n.chainBase}_${suffix}`).join(', ')} }`];
}

/** The nft -f input for a host's security groups. Throws NetcfgError on invalid config. */
export function renderSecurityGroupNft(config: SecurityGroupHostConfig): string {
  const { nics, groups, setNames } = validate(config);
  const table = config.table ?? DEFAULT_SECGROUP_TABLE;
  const out = [
    `# Generated by Kumo (@kumo/netcfg renderSecurityGroupNft, mode ${config.mode}). Do not edit: re-rendered from the database.`,
  ];

  if (config.mode === 'bridge') {
    out.push(...nftReplaceTablePreamble('bridge', table), `table bridge ${table} {`, ...setLines(groups, setNames));
    out.push(...nftChain('prerouting', ['type filter hook prerouting priority -100; policy accept;', ...vmap('iifname', nics, 'from')]));
    out.push('', ...nftChain('postrouting', ['type filter hook postrouting priority -100; policy accept;', ...vmap('oifname', nics, 'to')]));
    for (const { nic, chainBase } of nics) {
      out.push('', ...nftChain(`${chainBase}_from`, [...antiSpoofLines(nic), ...statefulEgress(nic, groups, setNames)]));
      out.push('', ...nftChain(`${chainBase}_to`, ['ether type arp accept', 'ether type != ip drop', ...statefulIngress(nic, groups, setNames)]));
    }
    out.push('}');
    return `${out.join('\n')}\n`;
  }

  // br_netfilter: bridge table tags, inet table filters.
  const keep = (~SECGROUP_MARK_MASK) >>> 0;
  out.push(...nftReplaceTablePreamble('bridge', table), `table bridge ${table} {`);
  out.push(...nftChain('prerouting', [
    'type filter hook prerouting priority -200; policy accept;',
    `meta mark set meta mark & ${hex32(keep)}`,
    ...vmap('iifname', nics, 'from'),
  ]));
  out.push('', ...nftChain('forward', ['type filter hook forward priority -200; policy accept;', ...vmap('oifname', nics, 'to')]));
  for (const { nic, chainBase, index } of nics) {
    out.push('', ...nftChain(`${chainBase}_from`, [`meta mark set meta mark & ${hex32(keep | 0xfff)} | ${hex32(index << 12)}`, ...antiSpoofLines(nic)]));
    out.push('', ...nftChain(`${chainBase}_to`, ['ether type arp accept', 'ether type != ip drop', `meta mark set meta mark & ${hex32(keep | 0xfff000)} | ${hex32(index)}`]));
  }
  out.push('}', ...nftReplaceTablePreamble('inet', table), `table inet ${table} {`, ...setLines(groups, setNames));
  const egressMap = nics.map((n) => `${hex32(n.index << 12)} : jump ${n.chainBase}_egress`);
  const ingressMap = nics.map((n) => `${hex32(n.index)} : jump ${n.chainBase}_ingress`);
  out.push(...nftChain('prerouting', [
    'type filter hook prerouting priority filter; policy accept;',
    ...(nics.length === 0 ? [] : [`meta mark & 0x00fff000 vmap { ${egressMap.join(', ')} }`]),
  ]));
  out.push('', ...nftChain('forward', [
    'type filter hook forward priority filter; policy accept;',
    ...(nics.length === 0 ? [] : [`meta mark & 0x00000fff vmap { ${ingressMap.join(', ')} }`]),
  ]));
  for (const { nic, chainBase } of nics) {
    out.push('', ...nftChain(`${chainBase}_egress`, statefulEgress(nic, groups, setNames)));
    out.push('', ...nftChain(`${chainBase}_ingress`, statefulIngress(nic, groups, setNames)));
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
