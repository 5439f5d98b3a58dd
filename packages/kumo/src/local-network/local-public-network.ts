/**
 * `kumo up`'s stand-in for a data centre's public network: a Linux bridge on this machine carrying
 * the gateway of a small "public" range (198.18.0.0/24 by default, RFC 2544's benchmarking block,
 * which no real network routes), and source NAT from that range to whatever this machine uses to
 * reach the outside. Virtual routers attach their public side to the bridge; guests then reach the
 * outside through two NATs (router, then this machine), and this machine reaches public IPs
 * (port forwards, static NAT, load balancers) directly over the bridge.
 *
 * Pure: the plan and the nft ruleset. local-public-network-apply.ts makes the host match it.
 */
import { cidrContains, formatIpv4, parseCidr, parseIpv4 } from '@kumo/netcfg';

export interface LocalPublicNetwork {
  bridge: string;
  /** The range in CIDR notation. */
  cidr: string;
  /** This machine's address on the bridge: the routers' default gateway. */
  gateway: string;
  /** Public IPs Kumo hands out (source NAT of routers, elastic IPs). */
  startIp: string;
  endIp: string;
}

export const defaultLocalPublicNetwork: LocalPublicNetwork = {
  bridge: 'kumopub0', cidr: '198.18.0.0/24', gateway: '198.18.0.1', startIp: '198.18.0.10', endIp: '198.18.0.250',
};

/** Checks the plan's internal consistency; throws naming the field. */
export function checkLocalPublicNetwork(n: LocalPublicNetwork): void {
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(n.bridge)) throw new Error(`bridge: ${n.bridge} is not an interface name`);
  const cidr = parseCidr(n.cidr);
  for (const f of ['gateway', 'startIp', 'endIp'] as const) {
    if (!cidrContains(cidr, parseIpv4(n[f], f))) throw new Error(`${f}: ${n[f]} is not in ${n.cidr}`);
  }
  const gw = parseIpv4(n.gateway);
  if (parseIpv4(n.startIp) > parseIpv4(n.endIp)) throw new Error(`startIp: ${n.startIp} comes after endIp ${n.endIp}`);
  if (gw >= parseIpv4(n.startIp) && gw <= parseIpv4(n.endIp)) throw new Error(`gateway: ${n.gateway} is inside the public IP range`);
}

export const LOCAL_NAT_TABLE = 'kumo_local_public';

/**
 * The whole nft table (loaded with `nft -f`, atomically replacing an older one): forwarding to and
 * from the bridge is accepted, and traffic from the range leaving by any other interface is
 * masqueraded.
 */
export function renderLocalPublicNft(n: LocalPublicNetwork): string {
  const net = formatIpv4(parseCidr(n.cidr).network) + '/' + String(parseCidr(n.cidr).prefix);
  return [
    `table ip ${LOCAL_NAT_TABLE}`,
    `delete table ip ${LOCAL_NAT_TABLE}`,
    `table ip ${LOCAL_NAT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "${n.bridge}" ip saddr ${net} accept`,
    `    oifname "${n.bridge}" ip daddr ${net} accept`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${net} oifname != "${n.bridge}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}
