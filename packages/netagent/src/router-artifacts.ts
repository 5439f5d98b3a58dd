/**
 * A RouterSpec (or a shared network's DhcpServerSpec) turned into the inputs of
 * netcfg's renderers (nft, dnsmasq, haproxy) and of the metadata service. Pure: the
 * agent supplies file paths; the validator calls the same functions with placeholder
 * paths to check a spec before applying it.
 */
import {
  normalizeIpv4, parseCidr, routerPublicIps,
  type DnsmasqConfig, type HaproxyConfig, type RouterConfig,
} from '@kumo/netcfg';
import type { DhcpServerSpec, NetworkSpec, RouterDhcpSpec, RouterSpec } from './host-network-spec.ts';
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

/** An address with the network's prefix, e.g. "10.1.0.1/24". */
function addressIn(ip: string, cidr: string): string {
  return `${normalizeIpv4(ip)}/${parseCidr(cidr).prefix}`;
}

/** The router's guest address with the network's prefix, e.g. "10.1.0.1/24". */
export function routerGuestAddress(router: RouterSpec): string {
  return addressIn(router.guest.ip, router.guest.cidr);
}

/** The DHCP server's address on its shared network with the network's prefix. */
export function dhcpServerAddress(server: DhcpServerSpec): string {
  return addressIn(server.ip, server.cidr);
}

export interface DaemonFiles {
  pidFile: string;
  leaseFile: string;
}

/** dnsmasq on rg0 serving `dhcp`, itself the guests' resolver at `self`. */
function guestDnsmasqConfig(dhcp: RouterDhcpSpec, lan: { cidr: string; gateway: string; self: string }, network: NetworkSpec, files: DaemonFiles): DnsmasqConfig {
  const config: DnsmasqConfig = {
    interface: ROUTER_GUEST_IFNAME,
    cidr: lan.cidr,
    gateway: lan.gateway,
    dnsServers: [lan.self],
    mtu: network.mtu,
    domain: dhcp.domain,
    leaseFile: files.leaseFile,
    pidFile: files.pidFile,
    hosts: dhcp.hosts,
  };
  if (dhcp.leaseTime !== undefined) config.leaseTime = dhcp.leaseTime;
  if (dhcp.upstreamServers !== undefined) config.upstreamServers = dhcp.upstreamServers;
  return config;
}

export function routerDnsmasqConfig(router: RouterSpec, network: NetworkSpec, files: DaemonFiles): DnsmasqConfig {
  return guestDnsmasqConfig(router.dhcp, { cidr: router.guest.cidr, gateway: router.guest.ip, self: router.guest.ip }, network, files);
}

/**
 * A shared network's dnsmasq: the physical router as gateway, the server as resolver,
 * and option 121 routing 169.254.169.254/32 via the server (plus the default route).
 */
export function dhcpServerDnsmasqConfig(server: DhcpServerSpec, network: NetworkSpec, files: DaemonFiles): DnsmasqConfig {
  return {
    ...guestDnsmasqConfig(server.dhcp, { cidr: server.cidr, gateway: server.gateway, self: server.ip }, network, files),
    metadataRouteVia: server.ip,
  };
}

/** undefined when the router has no load balancers (no haproxy runs). */
export function routerHaproxyConfig(router: RouterSpec, files: { pidFile: string }): HaproxyConfig | undefined {
  if (router.loadBalancers.length === 0) return undefined;
  return { pidFile: files.pidFile, loadBalancers: router.loadBalancers };
}

export function routerMetadataTable(router: RouterSpec): MetadataTable {
  return { networkId: router.networkId, instances: router.metadata.instances };
}

export function dhcpServerMetadataTable(server: DhcpServerSpec): MetadataTable {
  return { networkId: server.networkId, instances: server.metadata.instances };
}

/** Public IPs the NAT rules and load balancers use (each must be on the public interface). */
export function routerRequiredPublicIps(router: RouterSpec): string[] {
  return routerPublicIps(routerNftConfig(router));
}
