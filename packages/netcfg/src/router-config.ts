/**
 * The virtual router of an isolated network, as data: a network namespace with one
 * guest-facing and one public-facing interface. The nft renderer (router-nft.ts)
 * turns it into a ruleset; this file holds the types and the cross-field checks.
 *
 * Semantics (CloudStack's isolated-network model):
 * - Outbound traffic of the guest CIDR is source-NATed to `sourceNatIp`; instances
 *   with a static NAT leave with their own public IP instead.
 * - New inbound connections to any public IP are dropped unless a firewall rule for
 *   that public IP allows them (firewall rules talk about public ports, before DNAT).
 *   That covers port forwards, static NATs and the router's own load balancers.
 * - Egress has a default policy; egress rules are the exceptions to it (with
 *   'allow' the rules block, with 'deny' the rules open).
 * - Guests reaching one of their own public IPs (hairpin) work: such traffic is
 *   DNATed and then SNATed to the router's guest address. Hairpin traffic comes from
 *   inside, so public firewall rules do not apply to it.
 */
import { NetcfgError } from './netcfg-error.ts';
import { cidrContains, cidrLast, formatIpv4, parseCidr, parseIpv4, type Ipv4Cidr } from './ipv4-cidr.ts';
import { checkTrafficMatch, type TrafficMatch } from './traffic-match.ts';
import { checkId, checkInterfaceName, checkPort, checkPortRange, portRangeLength, portRangesOverlap, type PortRange } from './validate.ts';
import { checkNftTableName } from './nft-syntax.ts';

export interface PortForward {
  id?: string;
  publicIp: string;
  protocol: 'tcp' | 'udp';
  publicPorts: PortRange;
  privateIp: string;
  /** Same length as publicPorts; may be shifted (8000-8010 -> 9000-9010). */
  privatePorts: PortRange;
}

/** One public IP mapped 1:1 to one instance address (an elastic IP). */
export interface StaticNat {
  id?: string;
  publicIp: string;
  privateIp: string;
}

/** Allows new inbound connections to one public IP. */
export interface FirewallRule extends TrafficMatch {
  id?: string;
  publicIp: string;
  /** Who may connect; 0.0.0.0/0 for anyone. */
  sourceCidrs: string[];
}

/** An exception to the egress default policy. */
export interface EgressRule extends TrafficMatch {
  id?: string;
  /** Where to; 0.0.0.0/0 for anywhere. */
  destinationCidrs: string[];
}

/** A port the router itself listens on (an HAProxy frontend). */
export interface RouterListener {
  publicIp: string;
  port: number;
}

export interface RouterConfig {
  /** nft table name; default "kumo_router". */
  table?: string;
  /** Interface towards the guests (inside the router namespace). */
  guestInterface: string;
  /** Interface towards the public network (inside the router namespace). */
  publicInterface: string;
  guestCidr: string;
  /** The router's address on the guest network: gateway, DHCP and DNS server. */
  guestIp: string;
  /** The network's source-NAT public IP; null when the network has no outbound access. */
  sourceNatIp: string | null;
  portForwards?: PortForward[];
  staticNats?: StaticNat[];
  firewallRules?: FirewallRule[];
  egress?: { defaultPolicy: 'allow' | 'deny'; rules: EgressRule[] };
  /** HAProxy frontends on public IPs (their ports may not also be forwarded). */
  listeners?: RouterListener[];
  /**
   * Instance metadata: guest traffic to 169.254.169.254:80 is redirected to this
   * local port in the router namespace, where a metadata proxy answers per NIC (it
   * knows the NIC by the source address).
   */
  metadataPort?: number;
}

export const DEFAULT_ROUTER_TABLE = 'kumo_router';
export const METADATA_IP = '169.254.169.254';
/** Shifted port ranges are rendered as an explicit port map; beyond this length we refuse. */
export const MAX_SHIFTED_PORT_RANGE = 1024;

/** Every public IP the router answers for, sorted; they must be on its public interface. */
export function routerPublicIps(config: RouterConfig): string[] {
  const ips = new Set<number>();
  if (config.sourceNatIp !== null) ips.add(parseIpv4(config.sourceNatIp, 'sourceNatIp'));
  for (const p of config.portForwards ?? []) ips.add(parseIpv4(p.publicIp, 'portForwards.publicIp'));
  for (const s of config.staticNats ?? []) ips.add(parseIpv4(s.publicIp, 'staticNats.publicIp'));
  for (const l of config.listeners ?? []) ips.add(parseIpv4(l.publicIp, 'listeners.publicIp'));
  return [...ips].sort((a, b) => a - b).map(formatIpv4);
}

function checkGuestAddress(cidr: Ipv4Cidr, guestIp: number, text: string, field: string): void {
  const ip = parseIpv4(text, field);
  if (!cidrContains(cidr, ip) || ip === cidr.network || ip === cidrLast(cidr)) {
    throw new NetcfgError('out_of_range', field, `${text} is not a usable address of the guest network`);
  }
  if (ip === guestIp) throw new NetcfgError('reserved', field, `${text} is the router's own guest address`);
}

function checkOptionalId(id: string | undefined, field: string): void {
  if (id !== undefined) checkId(id, field);
}

/**
 * Checks a RouterConfig: syntax of every field, private IPs inside the guest CIDR,
 * no two rules claiming the same public IP/port, static NAT IPs used for nothing
 * else, firewall rules only on the router's own public IPs. Throws NetcfgError.
 */
export function validateRouterConfig(config: RouterConfig): void {
  checkNftTableName(config.table ?? DEFAULT_ROUTER_TABLE, 'table');
  checkInterfaceName(config.guestInterface, 'guestInterface');
  checkInterfaceName(config.publicInterface, 'publicInterface');
  if (config.guestInterface === config.publicInterface) {
    throw new NetcfgError('conflict', 'publicInterface', 'the guest and public interfaces must differ');
  }
  const cidr = parseCidr(config.guestCidr, { field: 'guestCidr' });
  if (cidr.prefix > 30) throw new NetcfgError('out_of_range', 'guestCidr', `${config.guestCidr} is too small for a guest network`);
  const guestIp = parseIpv4(config.guestIp, 'guestIp');
  if (!cidrContains(cidr, guestIp) || guestIp === cidr.network || guestIp === cidrLast(cidr)) {
    throw new NetcfgError('out_of_range', 'guestIp', `${config.guestIp} is not a usable address of ${config.guestCidr}`);
  }
  const snat = config.sourceNatIp === null ? undefined : parseIpv4(config.sourceNatIp, 'sourceNatIp');
  if (snat !== undefined && cidrContains(cidr, snat)) {
    throw new NetcfgError('conflict', 'sourceNatIp', `the source NAT IP ${config.sourceNatIp} lies inside the guest network`);
  }
  if (config.metadataPort !== undefined) checkPort(config.metadataPort, 'metadataPort');

  // Which public IP:port pairs are claimed, by whom.
  const claims: { ip: number; protocol: 'tcp' | 'udp'; ports: PortRange; who: string }[] = [];
  const claim = (ip: number, protocol: 'tcp' | 'udp', ports: PortRange, who: string, field: string): void => {
    const clash = claims.find((c) => c.ip === ip && c.protocol === protocol && portRangesOverlap(c.ports, ports));
    if (clash !== undefined) {
      throw new NetcfgError('conflict', field, `${who} uses ${protocol} ${formatIpv4(ip)}:${ports.from}-${ports.to}, already used by ${clash.who}`);
    }
    claims.push({ ip, protocol, ports, who });
  };

  (config.portForwards ?? []).forEach((p, i) => {
    const f = `portForwards[${i}]`;
    checkOptionalId(p.id, `${f}.id`);
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw new NetcfgError('invalid', `${f}.protocol`, `a port forward's protocol is tcp or udp, not "${String(p.protocol)}"`);
    const pub = parseIpv4(p.publicIp, `${f}.publicIp`);
    checkPortRange(p.publicPorts, `${f}.publicPorts`);
    checkPortRange(p.privatePorts, `${f}.privatePorts`);
    checkGuestAddress(cidr, guestIp, p.privateIp, `${f}.privateIp`);
    const len = portRangeLength(p.publicPorts);
    if (len !== portRangeLength(p.privatePorts)) {
      throw new NetcfgError('invalid', `${f}.privatePorts`, `the private port range has ${portRangeLength(p.privatePorts)} ports but the public one has ${len}; they must be the same length`);
    }
    if (len > MAX_SHIFTED_PORT_RANGE && p.publicPorts.from !== p.privatePorts.from) {
      throw new NetcfgError('out_of_range', `${f}.privatePorts`, `a shifted port range may span at most ${MAX_SHIFTED_PORT_RANGE} ports; use the same public and private ports for longer ranges`);
    }
    claim(pub, p.protocol, p.publicPorts, `port forward ${p.id ?? i}`, f);
  });

  (config.listeners ?? []).forEach((l, i) => {
    const pub = parseIpv4(l.publicIp, `listeners[${i}].publicIp`);
    checkPort(l.port, `listeners[${i}].port`);
    claim(pub, 'tcp', { from: l.port, to: l.port }, `load balancer listener ${formatIpv4(pub)}:${l.port}`, `listeners[${i}]`);
  });

  const natPublic = new Set<number>();
  const natPrivate = new Set<number>();
  (config.staticNats ?? []).forEach((s, i) => {
    const f = `staticNats[${i}]`;
    checkOptionalId(s.id, `${f}.id`);
    const pub = parseIpv4(s.publicIp, `${f}.publicIp`);
    checkGuestAddress(cidr, guestIp, s.privateIp, `${f}.privateIp`);
    const priv = parseIpv4(s.privateIp, `${f}.privateIp`);
    if (pub === snat) throw new NetcfgError('conflict', `${f}.publicIp`, `${s.publicIp} is the network's source NAT IP and cannot also be a static NAT`);
    if (claims.some((c) => c.ip === pub)) throw new NetcfgError('conflict', `${f}.publicIp`, `${s.publicIp} already carries port forwards or load balancers and cannot also be a static NAT`);
    if (natPublic.has(pub)) throw new NetcfgError('conflict', `${f}.publicIp`, `${s.publicIp} is already statically NATed to another address`);
    if (natPrivate.has(priv)) throw new NetcfgError('conflict', `${f}.privateIp`, `${s.privateIp} already has a static NAT`);
    natPublic.add(pub);
    natPrivate.add(priv);
  });

  const publicIps = new Set(routerPublicIps(config));
  (config.firewallRules ?? []).forEach((r, i) => {
    const f = `firewallRules[${i}]`;
    checkOptionalId(r.id, `${f}.id`);
    checkTrafficMatch(r, f);
    const pub = formatIpv4(parseIpv4(r.publicIp, `${f}.publicIp`));
    if (!publicIps.has(pub)) throw new NetcfgError('conflict', `${f}.publicIp`, `${pub} is not a public IP of this router`);
  });

  if (config.egress !== undefined) {
    if (config.egress.defaultPolicy !== 'allow' && config.egress.defaultPolicy !== 'deny') {
      throw new NetcfgError('invalid', 'egress.defaultPolicy', `egress default policy is allow or deny, not "${String(config.egress.defaultPolicy)}"`);
    }
    config.egress.rules.forEach((r, i) => {
      checkOptionalId(r.id, `egress.rules[${i}].id`);
      checkTrafficMatch(r, `egress.rules[${i}]`);
    });
  }
}
