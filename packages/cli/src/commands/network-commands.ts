import type { Command } from 'commander';
import { CliError, clientFor, defaultZone, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type Column } from '../output.ts';
import { addResourceCommands, print } from './resource-commands.ts';

const num = (v: string) => Number(v);

/** "80" or "8000-8010" → { from, to }. */
export function parsePorts(v: string): { from: number; to: number } {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v.trim());
  if (!m) throw new CliError(`"${v}" is not a port or port range (80, 8000-8010)`);
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
}

/** "5000-5999" → { start, end } (VNI and VLAN ranges). */
export function parseIntRange(v: string): { start: number; end: number } {
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m) throw new CliError(`"${v}" is not a range (start-end)`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Traffic options shared by firewall, egress and security-group rules. */
function trafficBody(o: { protocol: string; ports?: string; icmpType?: number; icmpCode?: number }) {
  return {
    protocol: o.protocol,
    ...(o.ports ? { ports: parsePorts(o.ports) } : {}),
    ...(o.icmpType !== undefined ? { icmpType: o.icmpType } : {}),
    ...(o.icmpCode !== undefined ? { icmpCode: o.icmpCode } : {}),
  };
}
const withTraffic = (cmd: Command) => cmd.requiredOption('--protocol <tcp|udp|icmp|all>')
  .option('--ports <port[-port]>', 'tcp/udp destination ports').option('--icmp-type <n>', '', num).option('--icmp-code <n>', '', num);

const ruleColumns: Column[] = [{ key: 'id', header: 'ID' }, { key: 'protocol', header: 'PROTO' }, { key: 'ports', header: 'PORTS' }, { key: 'icmpType', header: 'ICMP' }];

/** physical-network, public-ip-range, network, router, nic, public-ip, port-forward, firewall-rule, egress-rule, load-balancer, security-group. */
export function addNetworkCommands(program: Command): void {
  // ---- admin: physical networks and public IP ranges ----
  const phys = addResourceCommands(program, {
    name: 'physical-network', path: 'physical-networks',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'trafficTypes', header: 'TRAFFIC' }, { key: 'device', header: 'DEVICE' }, { key: 'mtu', header: 'MTU' }, { key: 'vniRange', header: 'VNIS' }, { key: 'vlanRange', header: 'VLANS' }],
  });
  phys.command('create').description('a physical network of a zone (admin)').requiredOption('--name <name>').option('--zone <zone>')
    .requiredOption('--traffic <types>', 'comma-separated: management,guest,public', list).requiredOption('--device <ifname>', 'default device on every host')
    .option('--bridge', 'the device is an existing bridge (public traffic: routers attach with a veth)').option('--mtu <n>', 'underlay MTU', num)
    .option('--vni-range <start-end>', 'VXLAN VNIs for isolated networks').option('--vlan-range <start-end>', 'VLAN ids for isolated networks')
    .action(async (o: { name: string; zone?: string; traffic: string[]; device: string; bridge?: boolean; mtu?: number; vniRange?: string; vlanRange?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('physical-networks', {
        zoneId: await defaultZone(client, o.zone), name: o.name, trafficTypes: o.traffic, device: o.device, mtu: o.mtu,
        ...(o.bridge ? { deviceKind: 'bridge' } : {}),
        ...(o.vniRange ? { vniRange: parseIntRange(o.vniRange) } : {}), ...(o.vlanRange ? { vlanRange: parseIntRange(o.vlanRange) } : {}),
      }), output));
    });
  phys.command('map-host <physical-network> <host>').description('set the device and underlay address a host uses on it')
    .option('--device <ifname>').option('--address <ip>')
    .action(async (ref: string, host: string, o: { device?: string; address?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'physical-networks', 'physical network', ref);
      const hostId = await resolveId(client, 'hosts', 'host', host);
      print(renderOne(await client.request('POST', `/api/v1/physical-networks/${id}/hosts`, { body: { hostId, device: o.device, address: o.address } }), output));
    });
  phys.command('hosts <physical-network>').description('per-host devices and addresses').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    const id = await resolveId(client, 'physical-networks', 'physical network', ref);
    const page = await client.request<{ items: Array<Record<string, unknown>> }>('GET', `/api/v1/physical-networks/${id}/hosts`);
    print(renderList(page.items, [{ key: 'hostId', header: 'HOST' }, { key: 'device', header: 'DEVICE' }, { key: 'address', header: 'ADDRESS' }], output));
  });

  const range = addResourceCommands(program, {
    name: 'public-ip-range', path: 'public-ip-ranges',
    columns: [{ key: 'id', header: 'ID' }, { key: 'cidr', header: 'CIDR' }, { key: 'gateway', header: 'GATEWAY' }, { key: 'startIp', header: 'START' }, { key: 'endIp', header: 'END' }, { key: 'size', header: 'SIZE' }, { key: 'allocated', header: 'USED' }],
  });
  range.command('create').description('public addresses of a zone (admin)').option('--zone <zone>').requiredOption('--cidr <cidr>')
    .requiredOption('--gateway <ip>').requiredOption('--start <ip>').requiredOption('--end <ip>').option('--vlan <id>', '', num)
    .action(async (o: { zone?: string; cidr: string; gateway: string; start: string; end: string; vlan?: number }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('public-ip-ranges', { zoneId: await defaultZone(client, o.zone), cidr: o.cidr, gateway: o.gateway, startIp: o.start, endIp: o.end, vlan: o.vlan }), output));
    });

  // ---- networks and NICs ----
  const network = addResourceCommands(program, {
    name: 'network', path: 'networks',
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'kind', header: 'KIND' }, { key: 'cidr', header: 'CIDR' }, { key: 'segment', header: 'SEGMENT' },
      { key: 'vni', header: 'VNI' }, { key: 'vlan', header: 'VLAN' }, { key: 'sourceNatIp', header: 'SNAT-IP' }, { key: 'dhcpServerIp', header: 'DHCP-IP' },
    ],
    listFilters: [{ flag: '--kind <shared|isolated>', key: 'kind', description: 'filter by kind' }, { flag: '--name <name>', key: 'name', description: 'filter by name' }],
  });
  network.command('create').description('an isolated network (default) or, for admins, a shared one').requiredOption('--name <name>').requiredOption('--cidr <cidr>')
    .option('--zone <zone>').option('--shared', 'shared network (admin): bridged to the physical network').option('--gateway <ip>')
    .option('--range <start-end>', 'addresses handed out (required for shared networks)').option('--vlan [id]', 'VLAN segment (isolated: allocated unless given; shared: tag)')
    .option('--mtu <n>', '', num).option('--domain <domain>', 'DNS domain of instance names').option('--egress <allow|deny>', 'default egress policy').option('--description <text>')
    .action(async (o: { name: string; cidr: string; zone?: string; shared?: boolean; gateway?: string; range?: string; vlan?: string | boolean; mtu?: number; domain?: string; egress?: string; description?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const [start, end] = o.range ? o.range.split('-') : [];
      if (o.range && (!start || !end)) throw new CliError('--range is start-end, e.g. 192.0.2.100-192.0.2.199');
      const vlan = typeof o.vlan === 'string' ? Number(o.vlan) : undefined;
      print(renderOne(await client.create('networks', {
        name: o.name, zoneId: await defaultZone(client, o.zone), cidr: o.cidr, kind: o.shared ? 'shared' : 'isolated', gateway: o.gateway,
        ...(start && end ? { ipRange: { start, end } } : {}),
        ...(o.vlan !== undefined && !o.shared ? { segment: 'vlan' } : {}), ...(vlan !== undefined ? { vlan } : {}),
        mtu: o.mtu, dnsDomain: o.domain, egressDefaultPolicy: o.egress, description: o.description,
      }), output));
    });
  network.command('update <network>').option('--egress <allow|deny>').option('--description <text>')
    .action(async (ref: string, o: { egress?: string; description?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.update('networks', await resolveId(client, 'networks', 'network', ref), { egressDefaultPolicy: o.egress, description: o.description }), output));
    });

  // Routers of isolated networks and DHCP servers of shared ones: read-only, placed by the controller.
  addResourceCommands(program, {
    name: 'router', path: 'routers', deletable: false,
    columns: [{ key: 'id', header: 'ID' }, { key: 'networkId', header: 'NETWORK' }, { key: 'hostId', header: 'HOST' }, { key: 'state', header: 'STATE' }, { key: 'publicIpId', header: 'SNAT-IP-ID' }, { key: 'stateReason', header: 'REASON' }],
    listFilters: [
      { flag: '--network-id <network>', key: 'networkId', description: 'filter by network (name or id)', ref: ['networks', 'network'] },
      { flag: '--host-id <host>', key: 'hostId', description: 'filter by host (name or id)', ref: ['hosts', 'host'] },
    ],
  });

  const nic = addResourceCommands(program, {
    name: 'nic', path: 'nics', deletable: false,
    columns: [{ key: 'id', header: 'ID' }, { key: 'instanceId', header: 'INSTANCE' }, { key: 'networkId', header: 'NETWORK' }, { key: 'deviceIndex', header: 'DEV' }, { key: 'pciSlot', header: 'SLOT' }, { key: 'ip', header: 'IP' }, { key: 'mac', header: 'MAC' }, { key: 'securityGroupIds', header: 'GROUPS' }],
    listFilters: [
      { flag: '--instance <instance>', key: 'instanceId', description: 'NICs of an instance (name or id)', ref: ['instances', 'instance'] },
      { flag: '--network <network>', key: 'networkId', description: 'NICs on a network (name or id)', ref: ['networks', 'network'] },
    ],
  });
  nic.command('set-groups <nic> <groups...>').description('replace the security groups of a NIC')
    .action(async (id: string, groups: string[], _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const securityGroupIds = await Promise.all(groups.map((g) => resolveId(client, 'security-groups', 'security group', g)));
      print(renderOne(await client.update('nics', id, { securityGroupIds }), output));
    });

  // ---- public IPs, NAT, firewall, egress ----
  const pip = addResourceCommands(program, {
    name: 'public-ip', path: 'public-ips', deletable: false,
    columns: [{ key: 'id', header: 'ID' }, { key: 'address', header: 'ADDRESS' }, { key: 'networkId', header: 'NETWORK' }, { key: 'sourceNat', header: 'SNAT' }, { key: 'staticNatNicId', header: 'STATIC-NAT' }],
    listFilters: [{ flag: '--network <network>', key: 'networkId', description: 'addresses of a network (name or id)', ref: ['networks', 'network'] }],
  });
  pip.command('allocate').description('a public address for an isolated network').requiredOption('--network <network>').option('--address <ip>')
    .action(async (o: { network: string; address?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('public-ips', { networkId: await resolveId(client, 'networks', 'network', o.network), address: o.address }), output));
    });
  pip.command('release <id>').alias('rm').action(async (id: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.delete('public-ips', id);
    print(`released ${id}`);
  });
  pip.command('static-nat <id> <nic>').description('map the address one-to-one to a NIC (elastic IP)').action(async (id: string, nicId: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request('POST', `/api/v1/public-ips/${id}/static-nat`, { body: { nicId } }), output));
  });
  pip.command('no-static-nat <id>').description('remove the static NAT of an address').action(async (id: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.request('DELETE', `/api/v1/public-ips/${id}/static-nat`);
    print(`static NAT of ${id} removed`);
  });

  const pf = addResourceCommands(program, {
    name: 'port-forward', path: 'port-forwards',
    columns: [{ key: 'id', header: 'ID' }, { key: 'publicIp', header: 'PUBLIC-IP' }, { key: 'protocol', header: 'PROTO' }, { key: 'publicPorts', header: 'PUBLIC' }, { key: 'privateIp', header: 'PRIVATE-IP' }, { key: 'privatePorts', header: 'PRIVATE' }],
  });
  pf.command('create').requiredOption('--public-ip <id>').requiredOption('--protocol <tcp|udp>').requiredOption('--ports <port[-port]>', 'public ports')
    .requiredOption('--nic <id>').option('--private-ports <port[-port]>', 'default: the public ports')
    .action(async (o: { publicIp: string; protocol: string; ports: string; nic: string; privatePorts?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('port-forwards', {
        publicIpId: o.publicIp, protocol: o.protocol, publicPorts: parsePorts(o.ports), nicId: o.nic, ...(o.privatePorts ? { privatePorts: parsePorts(o.privatePorts) } : {}),
      }), output));
    });

  const fw = addResourceCommands(program, { name: 'firewall-rule', path: 'firewall-rules', columns: [...ruleColumns, { key: 'publicIp', header: 'PUBLIC-IP' }, { key: 'sourceCidrs', header: 'FROM' }] });
  withTraffic(fw.command('create').description('allow new inbound connections to a public IP').requiredOption('--public-ip <id>'))
    .option('--from <cidrs>', 'comma-separated source CIDRs (default anywhere)', list)
    .action(async (o: { publicIp: string; protocol: string; ports?: string; icmpType?: number; icmpCode?: number; from?: string[] }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('firewall-rules', { publicIpId: o.publicIp, ...trafficBody(o), ...(o.from ? { sourceCidrs: o.from } : {}) }), output));
    });

  const eg = addResourceCommands(program, { name: 'egress-rule', path: 'egress-rules', columns: [...ruleColumns, { key: 'networkId', header: 'NETWORK' }, { key: 'destinationCidrs', header: 'TO' }] });
  withTraffic(eg.command('create').description('an exception to the network\'s default egress policy').requiredOption('--network <network>'))
    .option('--to <cidrs>', 'comma-separated destination CIDRs (default anywhere)', list)
    .action(async (o: { network: string; protocol: string; ports?: string; icmpType?: number; icmpCode?: number; to?: string[] }, c: Command) => {
      const { client, output } = clientFor(c);
      const networkId = await resolveId(client, 'networks', 'network', o.network);
      print(renderOne(await client.create('egress-rules', { networkId, ...trafficBody(o), ...(o.to ? { destinationCidrs: o.to } : {}) }), output));
    });

  // ---- load balancers ----
  const lb = addResourceCommands(program, {
    name: 'load-balancer', path: 'load-balancers',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'publicIp', header: 'PUBLIC-IP' }, { key: 'publicPort', header: 'PORT' }, { key: 'privatePort', header: 'TO-PORT' }, { key: 'algorithm', header: 'ALGORITHM' }, { key: 'memberNicIds', header: 'MEMBERS' }],
  });
  lb.command('create').requiredOption('--name <name>').requiredOption('--public-ip <id>').requiredOption('--port <n>', 'public port', num)
    .option('--private-port <n>', 'default: the public port', num).option('--algorithm <roundrobin|leastconn>')
    .option('--check-interval <ms>', 'health check interval', num).option('--check-rise <n>', '', num).option('--check-fall <n>', '', num).option('--check-path <path>', 'HTTP health check path')
    .option('--nic <ids>', 'comma-separated member NICs', list)
    .action(async (o: { name: string; publicIp: string; port: number; privatePort?: number; algorithm?: string; checkInterval?: number; checkRise?: number; checkFall?: number; checkPath?: string; nic?: string[] }, c: Command) => {
      const { client, output } = clientFor(c);
      const check = o.checkInterval !== undefined || o.checkRise !== undefined || o.checkFall !== undefined || o.checkPath !== undefined;
      print(renderOne(await client.create('load-balancers', {
        name: o.name, publicIpId: o.publicIp, publicPort: o.port, privatePort: o.privatePort, algorithm: o.algorithm,
        ...(check ? { healthCheck: { intervalMs: o.checkInterval, rise: o.checkRise, fall: o.checkFall, httpPath: o.checkPath } } : {}),
        ...(o.nic ? { nicIds: o.nic } : {}),
      }), output));
    });
  lb.command('members <load-balancer>').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    const id = await resolveId(client, 'load-balancers', 'load balancer', ref);
    const page = await client.request<{ items: Array<Record<string, unknown>> }>('GET', `/api/v1/load-balancers/${id}/members`);
    print(renderList(page.items, [{ key: 'nicId', header: 'NIC' }, { key: 'instanceId', header: 'INSTANCE' }, { key: 'ip', header: 'IP' }], output));
  });
  lb.command('add-member <load-balancer> <nic>').action(async (ref: string, nicId: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    const id = await resolveId(client, 'load-balancers', 'load balancer', ref);
    print(renderOne(await client.request('POST', `/api/v1/load-balancers/${id}/members`, { body: { nicId } }), output));
  });
  lb.command('remove-member <load-balancer> <nic>').action(async (ref: string, nicId: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    const id = await resolveId(client, 'load-balancers', 'load balancer', ref);
    await client.request('DELETE', `/api/v1/load-balancers/${id}/members/${nicId}`);
    print(`removed ${nicId} from ${ref}`);
  });

  // ---- security groups ----
  const sg = addResourceCommands(program, {
    name: 'security-group', path: 'security-groups',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'description', header: 'DESCRIPTION' }],
  });
  sg.command('create').requiredOption('--name <name>').option('--description <text>').action(async (o: { name: string; description?: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.create('security-groups', { name: o.name, description: o.description }), output));
  });
  sg.command('rules <group>').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    const id = await resolveId(client, 'security-groups', 'security group', ref);
    const page = await client.request<{ items: Array<Record<string, unknown>> }>('GET', `/api/v1/security-groups/${id}/rules`);
    print(renderList(page.items, [{ key: 'id', header: 'ID' }, { key: 'direction', header: 'DIR' }, ...ruleColumns.slice(1), { key: 'cidr', header: 'CIDR' }, { key: 'remoteGroupId', header: 'GROUP' }], output));
  });
  withTraffic(sg.command('add-rule <group>').description('allow traffic: --ingress or --egress, with --cidr or --group as the peer')
    .option('--egress', 'an egress rule (default ingress)').option('--cidr <cidr>').option('--group <group>', 'peer group (its members\' addresses)'))
    .action(async (ref: string, o: { egress?: boolean; cidr?: string; group?: string; protocol: string; ports?: string; icmpType?: number; icmpCode?: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'security-groups', 'security group', ref);
      const body = {
        direction: o.egress ? 'egress' : 'ingress', ...trafficBody(o), ...(o.cidr ? { cidr: o.cidr } : {}),
        ...(o.group ? { remoteGroupId: await resolveId(client, 'security-groups', 'security group', o.group) } : {}),
      };
      print(renderOne(await client.request('POST', `/api/v1/security-groups/${id}/rules`, { body }), output));
    });
  sg.command('remove-rule <group> <rule>').action(async (ref: string, ruleId: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    const id = await resolveId(client, 'security-groups', 'security group', ref);
    await client.request('DELETE', `/api/v1/security-groups/${id}/rules/${ruleId}`);
    print(`removed rule ${ruleId}`);
  });
}
