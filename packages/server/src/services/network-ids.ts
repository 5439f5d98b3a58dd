import { newId } from '@kumo/core';

/**
 * Id prefixes of the networking resources. They follow core's scheme (prefix + 10 chars of time +
 * 10 of sequence and randomness, so ids sort by creation); core's idPrefixes table may absorb them.
 */
export const networkIdPrefixes = {
  physicalNetwork: 'pnet',
  publicIpRange: 'pipr',
  publicIp: 'pip',
  network: 'net',
  nic: 'nic',
  router: 'rtr',
  portForward: 'pf',
  firewallRule: 'fw',
  egressRule: 'egr',
  loadBalancer: 'lb',
  securityGroup: 'sg',
  securityGroupRule: 'sgr',
} as const;

export type NetworkIdKind = keyof typeof networkIdPrefixes;

export function newNetworkId(kind: NetworkIdKind, nowMs: number = Date.now()): string {
  // 'ev-' + 20 characters: keep the 20, swap the prefix (same monotonic generator as every other id).
  return `${networkIdPrefixes[kind]}-${newId('event', nowMs).slice(3)}`;
}
