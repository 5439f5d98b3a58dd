import type { Kysely } from 'kysely';

/*
 * Guest networking: physical networks and their per-host devices, public IP ranges and
 * addresses, guest networks with IPAM, NICs, virtual routers, NAT/firewall/egress rules,
 * load balancers, security groups. Every allocation that must never collide (an IP in a
 * network, a MAC, a VNI in a zone, a VLAN on a physical network, a public address in a
 * zone) has a unique constraint: the services retry on a violation.
 *
 * Host ids are deliberately not foreign keys: a host row may be deleted by the operator
 * while stale mappings or router placements still name it; readers skip unknown hosts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  const text = 'text' as const;
  const int = 'integer' as const;

  await db.schema.createTable('physicalNetworks')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('trafficTypes', text, (c) => c.notNull())
    .addColumn('device', text, (c) => c.notNull())
    .addColumn('deviceKind', text, (c) => c.notNull())
    .addColumn('mtu', int, (c) => c.notNull())
    .addColumn('vniStart', int)
    .addColumn('vniEnd', int)
    .addColumn('vlanStart', int)
    .addColumn('vlanEnd', int)
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('physicalNetworksZoneName', ['zoneId', 'name']).execute();

  await db.schema.createTable('physicalNetworkHosts')
    .addColumn('physicalNetworkId', text, (c) => c.notNull().references('physicalNetworks.id'))
    .addColumn('hostId', text, (c) => c.notNull())
    .addColumn('device', text, (c) => c.notNull())
    .addColumn('address', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('physicalNetworkHostsPk', ['physicalNetworkId', 'hostId']).execute();

  await db.schema.createTable('publicIpRanges')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('physicalNetworkId', text, (c) => c.notNull().references('physicalNetworks.id'))
    .addColumn('cidr', text, (c) => c.notNull())
    .addColumn('gateway', text, (c) => c.notNull())
    .addColumn('startIp', text, (c) => c.notNull())
    .addColumn('endIp', text, (c) => c.notNull())
    .addColumn('vlan', int)
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('publicIpRangesZone').on('publicIpRanges').columns(['zoneId']).execute();

  await db.schema.createTable('networks')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('physicalNetworkId', text, (c) => c.notNull().references('physicalNetworks.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('cidr', text, (c) => c.notNull())
    .addColumn('gateway', text, (c) => c.notNull())
    .addColumn('rangeStart', text, (c) => c.notNull())
    .addColumn('rangeEnd', text, (c) => c.notNull())
    .addColumn('vni', int)
    .addColumn('vlan', int)
    .addColumn('mtu', int, (c) => c.notNull())
    .addColumn('dnsDomain', text, (c) => c.notNull())
    .addColumn('egressDefaultPolicy', text, (c) => c.notNull())
    .addColumn('configVersion', int, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addColumn('updatedAt', text, (c) => c.notNull())
    .addUniqueConstraint('networksAccountName', ['accountId', 'name'])
    .addUniqueConstraint('networksZoneVni', ['zoneId', 'vni'])
    .addUniqueConstraint('networksPhysicalVlan', ['physicalNetworkId', 'vlan']).execute();
  await db.schema.createIndex('networksZone').on('networks').columns(['zoneId', 'kind']).execute();

  await db.schema.createTable('publicIps')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('rangeId', text, (c) => c.notNull().references('publicIpRanges.id'))
    .addColumn('address', text, (c) => c.notNull())
    .addColumn('networkId', text, (c) => c.references('networks.id'))
    .addColumn('sourceNat', int, (c) => c.notNull())
    .addColumn('staticNatNicId', text)
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('publicIpsZoneAddress', ['zoneId', 'address'])
    .addUniqueConstraint('publicIpsStaticNatNic', ['staticNatNicId']).execute();
  await db.schema.createIndex('publicIpsNetwork').on('publicIps').columns(['networkId']).execute();
  await db.schema.createIndex('publicIpsRange').on('publicIps').columns(['rangeId']).execute();

  await db.schema.createTable('routers')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('networkId', text, (c) => c.notNull().unique().references('networks.id'))
    .addColumn('hostId', text)
    .addColumn('publicIpId', text, (c) => c.references('publicIps.id'))
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('version', int, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addColumn('updatedAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('routersHost').on('routers').columns(['hostId']).execute();

  await db.schema.createTable('nics')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('instanceId', text, (c) => c.notNull().references('instances.id'))
    .addColumn('networkId', text, (c) => c.notNull().references('networks.id'))
    .addColumn('deviceIndex', int, (c) => c.notNull())
    .addColumn('mac', text, (c) => c.notNull())
    .addColumn('ip', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('nicsNetworkIp', ['networkId', 'ip'])
    .addUniqueConstraint('nicsMac', ['mac'])
    .addUniqueConstraint('nicsInstanceDevice', ['instanceId', 'deviceIndex'])
    .addUniqueConstraint('nicsInstanceNetwork', ['instanceId', 'networkId']).execute();
  await db.schema.createIndex('nicsAccount').on('nics').columns(['accountId', 'id']).execute();

  await db.schema.createTable('securityGroups')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('securityGroupsAccountName', ['accountId', 'name']).execute();

  await db.schema.createTable('securityGroupRules')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('securityGroupId', text, (c) => c.notNull().references('securityGroups.id'))
    .addColumn('direction', text, (c) => c.notNull())
    .addColumn('protocol', text, (c) => c.notNull())
    .addColumn('portStart', int)
    .addColumn('portEnd', int)
    .addColumn('icmpType', int)
    .addColumn('icmpCode', int)
    .addColumn('cidr', text)
    .addColumn('remoteGroupId', text, (c) => c.references('securityGroups.id'))
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('securityGroupRulesGroup').on('securityGroupRules').columns(['securityGroupId']).execute();
  await db.schema.createIndex('securityGroupRulesRemote').on('securityGroupRules').columns(['remoteGroupId']).execute();

  await db.schema.createTable('nicSecurityGroups')
    .addColumn('nicId', text, (c) => c.notNull().references('nics.id'))
    .addColumn('securityGroupId', text, (c) => c.notNull().references('securityGroups.id'))
    .addPrimaryKeyConstraint('nicSecurityGroupsPk', ['nicId', 'securityGroupId']).execute();
  await db.schema.createIndex('nicSecurityGroupsGroup').on('nicSecurityGroups').columns(['securityGroupId']).execute();

  await db.schema.createTable('portForwards')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('networkId', text, (c) => c.notNull().references('networks.id'))
    .addColumn('publicIpId', text, (c) => c.notNull().references('publicIps.id'))
    .addColumn('protocol', text, (c) => c.notNull())
    .addColumn('publicPortStart', int, (c) => c.notNull())
    .addColumn('publicPortEnd', int, (c) => c.notNull())
    .addColumn('nicId', text, (c) => c.notNull().references('nics.id'))
    .addColumn('privatePortStart', int, (c) => c.notNull())
    .addColumn('privatePortEnd', int, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('portForwardsPublicIp').on('portForwards').columns(['publicIpId']).execute();
  await db.schema.createIndex('portForwardsNic').on('portForwards').columns(['nicId']).execute();

  await db.schema.createTable('firewallRules')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('networkId', text, (c) => c.notNull().references('networks.id'))
    .addColumn('publicIpId', text, (c) => c.notNull().references('publicIps.id'))
    .addColumn('protocol', text, (c) => c.notNull())
    .addColumn('portStart', int)
    .addColumn('portEnd', int)
    .addColumn('icmpType', int)
    .addColumn('icmpCode', int)
    .addColumn('sourceCidrs', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('firewallRulesPublicIp').on('firewallRules').columns(['publicIpId']).execute();

  await db.schema.createTable('egressRules')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('networkId', text, (c) => c.notNull().references('networks.id'))
    .addColumn('protocol', text, (c) => c.notNull())
    .addColumn('portStart', int)
    .addColumn('portEnd', int)
    .addColumn('icmpType', int)
    .addColumn('icmpCode', int)
    .addColumn('destinationCidrs', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('egressRulesNetwork').on('egressRules').columns(['networkId']).execute();

  await db.schema.createTable('loadBalancers')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('networkId', text, (c) => c.notNull().references('networks.id'))
    .addColumn('publicIpId', text, (c) => c.notNull().references('publicIps.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('publicPort', int, (c) => c.notNull())
    .addColumn('privatePort', int, (c) => c.notNull())
    .addColumn('algorithm', text, (c) => c.notNull())
    .addColumn('healthIntervalMs', int)
    .addColumn('healthRise', int)
    .addColumn('healthFall', int)
    .addColumn('healthHttpPath', text)
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('loadBalancersAccountName', ['accountId', 'name'])
    .addUniqueConstraint('loadBalancersPublicPort', ['publicIpId', 'publicPort']).execute();

  await db.schema.createTable('loadBalancerMembers')
    .addColumn('loadBalancerId', text, (c) => c.notNull().references('loadBalancers.id'))
    .addColumn('nicId', text, (c) => c.notNull().references('nics.id'))
    .addColumn('createdAt', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('loadBalancerMembersPk', ['loadBalancerId', 'nicId']).execute();
  await db.schema.createIndex('loadBalancerMembersNic').on('loadBalancerMembers').columns(['nicId']).execute();
}
