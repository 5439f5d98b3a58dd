/** A spec NIC in the terms of netcfg's security-group renderer. Pure. */
import type { SecuredNic } from '@kumo/netcfg';
import type { NicNetworkSpec } from './host-network-spec.ts';

export function securedNic(nic: NicNetworkSpec): SecuredNic {
  return {
    nicId: nic.nicId,
    tap: nic.tap,
    mac: nic.mac,
    ips: nic.ips,
    groupIds: nic.securityGroupIds,
    ...(nic.dnsServers === undefined ? {} : { dnsServers: nic.dnsServers }),
  };
}
