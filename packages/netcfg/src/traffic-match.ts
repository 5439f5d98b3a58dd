/**
 * What a firewall or security-group rule matches at layer 4, shared by the router
 * and security-group renderers. Flat on purpose: it maps 1:1 to a database row.
 */
import { NetcfgError } from './netcfg-error.ts';
import { checkInteger, checkPortRange, type PortRange } from './validate.ts';

export type Protocol = 'tcp' | 'udp' | 'icmp' | 'all';

export interface TrafficMatch {
  protocol: Protocol;
  /** tcp/udp only: destination ports; omitted means every port. */
  ports?: PortRange;
  /** icmp only: ICMP type (0-255); omitted means every type. */
  icmpType?: number;
  /** icmp only, needs icmpType: ICMP code (0-255). */
  icmpCode?: number;
}

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'icmp', 'all'];

export function checkTrafficMatch(m: TrafficMatch, field: string): TrafficMatch {
  if (!PROTOCOLS.includes(m.protocol)) {
    throw new NetcfgError('invalid', `${field}.protocol`, `protocol "${String(m.protocol)}" is not one of ${PROTOCOLS.join(', ')}`);
  }
  const isPorted = m.protocol === 'tcp' || m.protocol === 'udp';
  if (m.ports !== undefined) {
    if (!isPorted) throw new NetcfgError('invalid', `${field}.ports`, `ports apply to tcp and udp only, not to ${m.protocol}`);
    checkPortRange(m.ports, `${field}.ports`);
  }
  if (m.icmpType !== undefined || m.icmpCode !== undefined) {
    if (m.protocol !== 'icmp') throw new NetcfgError('invalid', `${field}.icmpType`, `icmpType and icmpCode apply to icmp only, not to ${m.protocol}`);
    if (m.icmpType === undefined) throw new NetcfgError('invalid', `${field}.icmpCode`, 'icmpCode needs an icmpType');
    checkInteger(m.icmpType, 0, 255, `${field}.icmpType`);
    if (m.icmpCode !== undefined) checkInteger(m.icmpCode, 0, 255, `${field}.icmpCode`);
  }
  return m;
}

function nftPorts(p: PortRange): string {
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

/**
 * nft match text for the L4 part of a rule ('' for protocol all). Destination port
 * for tcp/udp; IPv4 only (`ip protocol`, `icmp`).
 */
export function nftTrafficMatch(m: TrafficMatch): string {
  switch (m.protocol) {
    case 'tcp':
    case 'udp':
      return m.ports === undefined ? `ip protocol ${m.protocol}` : `${m.protocol} dport ${nftPorts(m.ports)}`;
    case 'icmp':
      if (m.icmpType === undefined) return 'ip protocol icmp';
      return m.icmpCode === undefined ? `icmp type ${m.icmpType}` : `icmp type ${m.icmpType} icmp code ${m.icmpCode}`;
    case 'all':
      return '';
  }
}
