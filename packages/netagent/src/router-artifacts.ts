/**
 * A RouterSpec turned into the inputs of netcfg's renderers (nft, dnsmasq, haproxy)
 * and of the metadata service. Pure: the agent supplies file paths; the validator
 * calls the same functions with placeholder paths to check a spec before applying it.
 */
import {
  normalizeIpv4, parseCidr, routerPublicIps,
  type DnsmasqConfig, type HaproxyConfig, type RouterConfig,
} from '@kumo/netcfg';
import type { NetworkSpec, RouterSpec } from './host-network-spec.ts';
import { ROUTER_GUEST_IFNAME, ROUTER_PUBLIC_IFNAME } from './network-names.ts';
import type { MetadataTable } from './metadata/metadata-table.ts';

/** Port of the metadata service inside a router namespace (169.254.169.254:80 is redirected to it). */
export const METADATA_LOCAL_PORT = 8775;

export function routerNftConfig(router: RouterSpec): RouterConfig {
  return {
    ...router.nat,
    guestInterface: ROUTER_GUEST_IFNAME,
    publicInterface: ROUTER_PUBLIC_IFNAME,
    guestCidr: router.guest.cidr,
    guestIp: router.guest.ip,
    metadataPort: METADATA_LOCAL_PORT,
    listeners: router.loadBalancers.map((lb) => ({ publicIp: lb.publicIp, port: lb.publicPort })),
  };
}

/** The router's guest address with the network's prefix, e.g. "10.1.0.1/24". */
export function routerGuestAddress(router: RouterSpec): string {
  return `${normalizeIpv4(router.guest.ip)}/${parseCidr(router.guest.cidr).prefix}`;
}

export interface DaemonFiles {
  pidFile: string;
  leaseFile: string;
}

export function routerDnsmasqConfig(router: RouterSpec, network: NetworkSpec, files: DaemonFiles): DnsmasqConfig {
  const config: DnsmasqConfig = {
    interface: ROUTER_GUEST_IFNAME,
    cidr: router.guest.cidr,
    gateway: router.guest.ip,
    dnsServers: [router.guest.ip],
    mtu: network.mtu,
    domain: router.dhcp.domain,
    leaseFile: files.leaseFile,
    pidFile: files.pidFile,
    hosts: router.dhcp.hosts,
  };
  if (router.dhcp.leaseTime !== undefined) config.leaseTime = router.dhcp.leaseTime;
  if (router.dhcp.upstreamServers !== undefined) config.upstreamServers = router.dhcp.upstreamServers;
  return config;
}

/** undefined when the router has no load balancers (no haproxy runs). */
export function routerHaproxyConfig(router: RouterSpec, files: { pidFile: string }): HaproxyConfig | undefined {
  if (router.loadBalancers.length === 0) return undefined;
  return { pidFile: files.pidFile, loadBalancers: router.loadBalancers };
}

export function routerMetadataTable(router: RouterSpec): MetadataTable {
  return { networkId: router.networkId, instances: router.metadata.instances };
}

/** Public IPs the NAT rules and load balancers use (each must be on the public interface). */
export function routerRequiredPublicIps(router: RouterSpec): string[] {
  return routerPublicIps(routerNftConfig(router));
}
