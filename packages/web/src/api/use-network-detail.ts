import type { EgressRule, FirewallRule, LoadBalancer, Network, Nic, PortForward, PublicIp, SecurityGroup, Zone } from '@kumo/api';
import { client } from './kumo-client.ts';
import { instanceNamesOf, namesById } from './instance-names.ts';
import { useLiveResource } from './use-live-resource.ts';

export interface NetworkDetail {
  network: Network;
  zoneName: string;
  nics: Nic[];
  publicIps: PublicIp[];
  portForwards: PortForward[];
  firewallRules: FirewallRule[];
  egressRules: EgressRule[];
  loadBalancers: LoadBalancer[];
  instanceNames: Map<string, string>;
  groupNames: Map<string, string>;
}

/** One network with everything on it, re-read when the stream announces a change of any network. */
export function useNetworkDetail(id: string) {
  return useLiveResource<NetworkDetail>(async () => {
    const network = await client.get<Network>('networks', id);
    const q = { networkId: id };
    const [zone, nics, publicIps, portForwards, firewallRules, egressRules, loadBalancers, groups] = await Promise.all([
      client.get<Zone>('zones', network.zoneId).catch(() => null),
      client.listAll<Nic>('nics', q),
      client.listAll<PublicIp>('public-ips', q),
      client.listAll<PortForward>('port-forwards', q),
      client.listAll<FirewallRule>('firewall-rules', q),
      client.listAll<EgressRule>('egress-rules', q),
      client.listAll<LoadBalancer>('load-balancers', q),
      client.listAll<SecurityGroup>('security-groups'),
    ]);
    return {
      network, zoneName: zone?.name ?? network.zoneId, nics, publicIps, portForwards, firewallRules, egressRules, loadBalancers,
      instanceNames: await instanceNamesOf(nics.map((n) => n.instanceId)), groupNames: namesById(groups),
    };
  }, [id], { kinds: ['network'] });
}
