/**
 * Renders the whole nftables ruleset of a virtual router namespace (one `ip` table)
 * from a RouterConfig. Load it with `ip netns exec <router> nft -f <file>`: the
 * preamble declares and deletes the table first, so the file replaces the table in a
 * single transaction whether or not it existed (no window without rules).
 *
 * Chains (names avoid nft keywords such as dnat/snat/fwd):
 *   pre_filter     prerouting, priority mangle (-150): before DNAT, so firewall rules
 *                  see the public IP and port the client used; conntrack has run.
 *   public_ingress new inbound connections on the public interface: firewall rules,
 *                  then drop.
 *   pre_nat        metadata redirect, static NAT and port-forward DNAT.
 *   post_nat       hairpin SNAT, static NAT SNAT, source NAT.
 *   forward_filter policy drop: replies, DNATed inbound, hairpin, guest egress.
 *   guest_egress   egress rules and the egress default policy.
 *   input_filter   policy drop: DHCP, DNS, metadata and ping from guests; public
 *                  traffic that passed public_ingress (load balancer frontends).
 */
import { formatIpv4, parseCidr, parseIpv4 } from './ipv4-cidr.ts';
import { nftAddressMatch, nftChain, nftComment, nftGuestServiceInput, nftQuote, nftReplaceTablePreamble, nftRule } from './nft-syntax.ts';
import {
  DEFAULT_ROUTER_TABLE, METADATA_IP, validateRouterConfig, type PortForward, type RouterConfig,
} from './router-config.ts';
import { nftTrafficMatch } from './traffic-match.ts';

function byIp<T>(ipOf: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => parseIpv4(ipOf(a)) - parseIpv4(ipOf(b));
}

function portForwardRule(p: PortForward): string {
  const pub = formatIpv4(parseIpv4(p.publicIp));
  const priv = formatIpv4(parseIpv4(p.privateIp));
  const { publicPorts: from, privatePorts: to } = p;
  const match = `ip daddr ${pub} ${p.protocol} dport ${from.from === from.to ? from.from : `${from.from}-${from.to}`}`;
  let target: string;
  if (from.from === from.to) {
    target = `${priv}:${to.from}`;
  } else if (from.from === to.from) {
    target = priv; // same ports: DNAT the address only, the port is kept
  } else {
    // nft 1.0.6 has no shifted-range NAT; spell the mapping out port by port.
    const pairs: string[] = [];
    for (let i = 0; i <= from.to - from.from; i++) pairs.push(`${from.from + i} : ${to.from + i}`);
    target = `${priv} : ${p.protocol} dport map { ${pairs.join(', ')} }`;
  }
  return nftRule(match, `dnat to ${target}`, nftComment(p.id));
}

/** The nft -f input for the router namespace. Throws NetcfgError on invalid config. */
export function renderRouterNft(config: RouterConfig): string {
  validateRouterConfig(config);
  const table = config.table ?? DEFAULT_ROUTER_TABLE;
  const guest = nftQuote(config.guestInterface);
  const pub = nftQuote(config.publicInterface);
  const cidrText = (() => {
    const c = parseCidr(config.guestCidr);
    return `${formatIpv4(c.network)}/${c.prefix}`;
  })();
  const guestIp = formatIpv4(parseIpv4(config.guestIp));
  const staticNats = [...(config.staticNats ?? [])].sort(byIp((s) => s.publicIp));
  const portForwards = [...(config.portForwards ?? [])].sort(
    (a, b) => parseIpv4(a.publicIp) - parseIpv4(b.publicIp) || a.protocol.localeCompare(b.protocol) || a.publicPorts.from - b.publicPorts.from,
  );
  const egress = config.egress ?? { defaultPolicy: 'allow' as const, rules: [] };
  const exceptionVerdict = egress.defaultPolicy === 'allow' ? 'drop' : 'accept';

  const publicIngress = [
    'ct state established,related accept',
    'ct state invalid drop',
    ...(config.firewallRules ?? []).map((r, i) =>
      nftRule(
        `ip daddr ${formatIpv4(parseIpv4(r.publicIp))}`,
        nftAddressMatch('saddr', r.sourceCidrs, `firewallRules[${i}].sourceCidrs`),
        nftTrafficMatch(r),
        'counter accept',
        nftComment(r.id),
      )),
    'counter drop',
  ];

  const preNat = [
    'type nat hook prerouting priority dstnat; policy accept;',
    ...(config.metadataPort === undefined
      ? []
      : [`iifname ${guest} ip daddr ${METADATA_IP} tcp dport 80 redirect to :${config.metadataPort}`]),
    ...staticNats.map((s) => nftRule(`ip daddr ${formatIpv4(parseIpv4(s.publicIp))} dnat to ${formatIpv4(parseIpv4(s.privateIp))}`, nftComment(s.id))),
    ...portForwards.map(portForwardRule),
  ];

  const postNat = [
    'type nat hook postrouting priority srcnat; policy accept;',
    `oifname ${guest} ip saddr ${cidrText} ct status dnat snat to ${guestIp}`,
    ...staticNats.map((s) =>
      nftRule(`oifname ${pub} ip saddr ${formatIpv4(parseIpv4(s.privateIp))} snat to ${formatIpv4(parseIpv4(s.publicIp))}`, nftComment(s.id))),
    ...(config.sourceNatIp === null ? [] : [`oifname ${pub} ip saddr ${cidrText} snat to ${formatIpv4(parseIpv4(config.sourceNatIp))}`]),
  ];

  // Outbound traffic is only forwarded when it will be NATed: never leak guest addresses.
  const natted = config.sourceNatIp !== null
    ? cidrText
    : staticNats.length === 0
      ? undefined
      : staticNats.length === 1
        ? formatIpv4(parseIpv4(staticNats[0]!.privateIp))
        : `{ ${staticNats.map((s) => formatIpv4(parseIpv4(s.privateIp))).join(', ')} }`;
  const forward = [
    'type filter hook forward priority filter; policy drop;',
    'ct state established,related accept',
    'ct state invalid drop',
    `iifname ${pub} oifname ${guest} ct status dnat accept`,
    `iifname ${guest} oifname ${guest} ct status dnat accept`,
    ...(natted === undefined ? [] : [`iifname ${guest} oifname ${pub} ip saddr ${natted} jump guest_egress`]),
  ];

  const guestEgress = [
    ...egress.rules.map((r, i) =>
      nftRule(nftAddressMatch('daddr', r.destinationCidrs, `egress.rules[${i}].destinationCidrs`), nftTrafficMatch(r), `counter ${exceptionVerdict}`, nftComment(r.id))),
    egress.defaultPolicy === 'allow' ? 'accept' : 'counter drop',
  ];

  const input = [
    'type filter hook input priority filter; policy drop;',
    'iifname "lo" accept',
    'ct state established,related accept',
    'ct state invalid drop',
    ...nftGuestServiceInput(guest, guestIp, config.metadataPort),
    `iifname ${pub} accept`,
  ];

  const lines = [
    '# Generated by Kumo (@kumo/netcfg renderRouterNft). Do not edit: re-rendered from the database.',
    ...nftReplaceTablePreamble('ip', table),
    `table ip ${table} {`,
    ...nftChain('pre_filter', ['type filter hook prerouting priority mangle; policy accept;', `iifname ${pub} jump public_ingress`]),
    '',
    ...nftChain('public_ingress', publicIngress),
    '',
    ...nftChain('pre_nat', preNat),
    '',
    ...nftChain('post_nat', postNat),
    '',
    ...nftChain('forward_filter', forward),
    '',
    ...nftChain('guest_egress', guestEgress),
    '',
    ...nftChain('input_filter', input),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
