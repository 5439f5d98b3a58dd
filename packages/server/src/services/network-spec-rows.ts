import type { Kysely } from 'kysely';
import type {
  Database, EgressRuleRow, FirewallRuleRow, HostRow, InstanceRow, KeypairRow, LoadBalancerMemberRow, LoadBalancerRow, NetworkRow, NicRow,
  NicSecurityGroupRow, OfferingRow, PhysicalNetworkHostRow, PhysicalNetworkRow, PortForwardRow, PublicIpRangeRow, PublicIpRow, RouterRow,
  SecurityGroupRow, SecurityGroupRuleRow, ZoneRow,
} from '@kumo/db';

/** Everything buildHostNetworkSpec reads: database rows, no connection. Fixtures are plain JSON. */
export interface HostNetworkRows {
  hostId: string;
  generation: number;
  /** This host and the other hosts of its zone (underlay addresses of peers). */
  hosts: Array<Pick<HostRow, 'id' | 'zoneId' | 'address'>>;
  zones: Array<Pick<ZoneRow, 'id' | 'name'>>;
  physicalNetworks: PhysicalNetworkRow[];
  physicalNetworkHosts: PhysicalNetworkHostRow[];
  /** Networks with a NIC or router on this host. */
  networks: NetworkRow[];
  /** Every NIC of those networks, on any host (DHCP leases, metadata, VXLAN peers). */
  nics: NicRow[];
  /** The instances of those NICs (hostId says where each runs). */
  instances: Array<Pick<InstanceRow, 'id' | 'name' | 'zoneId' | 'hostId' | 'targetHostId' | 'keypairId' | 'offeringId' | 'imageId' | 'imageVersionId' | 'userData' | 'metadataHttpTokens'>>;
  routers: RouterRow[];
  /** Public IPs of the networks whose router is on this host, and their ranges. */
  publicIps: PublicIpRow[];
  publicIpRanges: PublicIpRangeRow[];
  portForwards: PortForwardRow[];
  firewallRules: FirewallRuleRow[];
  egressRules: EgressRuleRow[];
  loadBalancers: LoadBalancerRow[];
  loadBalancerMembers: LoadBalancerMemberRow[];
  /** Memberships of this host's NICs. */
  nicSecurityGroups: NicSecurityGroupRow[];
  /** Those groups and every group their rules name, transitively. */
  securityGroups: SecurityGroupRow[];
  securityGroupRules: SecurityGroupRuleRow[];
  /** Addresses of every NIC (zone-wide) in those groups. */
  securityGroupMembers: Array<{ securityGroupId: string; ip: string }>;
  keypairs: Array<Pick<KeypairRow, 'id' | 'name' | 'publicKey'>>;
  offerings: Array<Pick<OfferingRow, 'id' | 'name'>>;
}

/**
 * `where col in (...)` that is false for an empty list (SQL has no empty IN list). The stand-in is the
 * empty string, which no id is; not a NUL byte, which PostgreSQL refuses in text ("invalid byte sequence").
 */
const some = <T>(xs: readonly T[]): T[] => (xs.length > 0 ? [...new Set(xs)] : ['' as T]);

/** Read the rows one host's network spec is built from. */
export async function loadHostNetworkRows(db: Kysely<Database>, hostId: string, generation: number): Promise<HostNetworkRows> {
  const host = await db.selectFrom('hosts').select(['id', 'zoneId', 'address']).where('id', '=', hostId).executeTakeFirst();
  if (!host) throw new Error(`host ${hostId} does not exist`);
  // A migrating instance is carried by its target host too (targetHostId): its taps, VXLAN membership and
  // security groups must be in place there before the switch-over.
  const localInstances = (await db.selectFrom('instances').select('id')
    .where((eb) => eb.or([eb('hostId', '=', hostId), eb('targetHostId', '=', hostId)])).where('phase', '!=', 'deleted').execute()).map((r) => r.id);
  const localNics = await db.selectFrom('nics').selectAll().where('instanceId', 'in', some(localInstances)).execute();
  const localRouters = await db.selectFrom('routers').selectAll().where('hostId', '=', hostId).execute();
  const networkIds = [...new Set([...localNics.map((n) => n.networkId), ...localRouters.map((r) => r.networkId)])];
  const routed = localRouters.map((r) => r.networkId);

  const [networks, nics, routers, hosts, zones, physicalNetworks] = await Promise.all([
    db.selectFrom('networks').selectAll().where('id', 'in', some(networkIds)).execute(),
    db.selectFrom('nics').selectAll().where('networkId', 'in', some(networkIds)).execute(),
    db.selectFrom('routers').selectAll().where('networkId', 'in', some(networkIds)).execute(),
    db.selectFrom('hosts').select(['id', 'zoneId', 'address']).where('zoneId', '=', host.zoneId).execute(),
    db.selectFrom('zones').select(['id', 'name']).where('id', '=', host.zoneId).execute(),
    db.selectFrom('physicalNetworks').selectAll().where('zoneId', '=', host.zoneId).execute(),
  ]);
  const instances = await db.selectFrom('instances').select(['id', 'name', 'zoneId', 'hostId', 'targetHostId', 'keypairId', 'offeringId', 'imageId', 'imageVersionId', 'userData', 'metadataHttpTokens'])
    .where('id', 'in', some(nics.map((n) => n.instanceId))).where('phase', '!=', 'deleted').execute();
  const [physicalNetworkHosts, publicIps, portForwards, firewallRules, egressRules, loadBalancers] = await Promise.all([
    db.selectFrom('physicalNetworkHosts').selectAll().where('physicalNetworkId', 'in', some(physicalNetworks.map((p) => p.id))).execute(),
    db.selectFrom('publicIps').selectAll().where('networkId', 'in', some(routed)).execute(),
    db.selectFrom('portForwards').selectAll().where('networkId', 'in', some(routed)).execute(),
    db.selectFrom('firewallRules').selectAll().where('networkId', 'in', some(routed)).execute(),
    db.selectFrom('egressRules').selectAll().where('networkId', 'in', some(routed)).execute(),
    db.selectFrom('loadBalancers').selectAll().where('networkId', 'in', some(routed)).execute(),
  ]);
  const [publicIpRanges, loadBalancerMembers, keypairs, offerings] = await Promise.all([
    db.selectFrom('publicIpRanges').selectAll().where('id', 'in', some(publicIps.map((p) => p.rangeId))).execute(),
    db.selectFrom('loadBalancerMembers').selectAll().where('loadBalancerId', 'in', some(loadBalancers.map((l) => l.id))).execute(),
    db.selectFrom('keypairs').select(['id', 'name', 'publicKey']).where('id', 'in', some(instances.map((i) => i.keypairId).filter((k): k is string => k !== null))).execute(),
    db.selectFrom('offerings').select(['id', 'name']).where('id', 'in', some(instances.map((i) => i.offeringId))).execute(),
  ]);

  const nicSecurityGroups = await db.selectFrom('nicSecurityGroups').selectAll().where('nicId', 'in', some(localNics.map((n) => n.id))).execute();
  // Close over rules that name other groups: the host needs their member addresses (and their rules, to check them).
  const groupIds = new Set(nicSecurityGroups.map((m) => m.securityGroupId));
  let securityGroupRules: SecurityGroupRuleRow[] = [];
  for (let frontier = [...groupIds]; frontier.length > 0;) {
    const rules = await db.selectFrom('securityGroupRules').selectAll().where('securityGroupId', 'in', some(frontier)).execute();
    securityGroupRules = [...securityGroupRules, ...rules];
    frontier = [...new Set(rules.map((r) => r.remoteGroupId).filter((g): g is string => g !== null && !groupIds.has(g)))];
    for (const g of frontier) groupIds.add(g);
  }
  const [securityGroups, securityGroupMembers] = await Promise.all([
    db.selectFrom('securityGroups').selectAll().where('id', 'in', some([...groupIds])).execute(),
    db.selectFrom('nicSecurityGroups').innerJoin('nics', 'nics.id', 'nicSecurityGroups.nicId')
      .select(['nicSecurityGroups.securityGroupId', 'nics.ip']).where('nicSecurityGroups.securityGroupId', 'in', some([...groupIds])).execute(),
  ]);

  return {
    hostId, generation, hosts, zones, physicalNetworks, physicalNetworkHosts, networks, nics, instances, routers, publicIps, publicIpRanges,
    portForwards, firewallRules, egressRules, loadBalancers, loadBalancerMembers, nicSecurityGroups, securityGroups, securityGroupRules,
    securityGroupMembers, keypairs, offerings,
  };
}
