import type { Command } from 'commander';
import { clientFor, defaultZone, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { addResourceCommands, print } from './resource-commands.ts';
import { addHostActionCommands } from './host-commands.ts';
import { addHostTopCommand } from './top-commands.ts';
import { addZoneHaCommands } from './ha-commands.ts';
import { addZoneMigrationPolicyCommands } from './migration-policy-commands.ts';

const num = (v: string) => Number(v);

/** zone, pod, cluster, host, pool. */
export function addInfraCommands(program: Command): void {
  const zone = addResourceCommands(program, {
    name: 'zone', path: 'zones',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'placementStrategy', header: 'PLACEMENT' }, { key: 'description', header: 'DESCRIPTION' }],
  });
  zone.command('create').requiredOption('--name <name>').option('--description <text>').option('--placement <spread|pack>', 'placement strategy')
    .action(async (o: { name: string; description?: string; placement?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('zones', { name: o.name, description: o.description, placementStrategy: o.placement }), output));
    });
  addZoneHaCommands(zone);
  addZoneMigrationPolicyCommands(zone);

  const pod = addResourceCommands(program, { name: 'pod', path: 'pods', columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'zoneId', header: 'ZONE' }] });
  pod.command('create').requiredOption('--name <name>').option('--zone <zone>')
    .action(async (o: { name: string; zone?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('pods', { name: o.name, zoneId: await defaultZone(client, o.zone) }), output));
    });

  const cluster = addResourceCommands(program, {
    name: 'cluster', path: 'clusters',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'hypervisor', header: 'HYPERVISOR' }, { key: 'cpuOvercommit', header: 'CPU-OC' }, { key: 'memoryOvercommit', header: 'MEM-OC' }],
  });
  cluster.command('create').requiredOption('--name <name>').requiredOption('--pod <pod>').requiredOption('--hypervisor <qemu|lxc|fake>')
    .option('--cpu-overcommit <ratio>', 'vCPUs per physical CPU', num).option('--memory-overcommit <ratio>', '', num)
    .action(async (o: { name: string; pod: string; hypervisor: string; cpuOvercommit?: number; memoryOvercommit?: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const podId = await resolveId(client, 'pods', 'pod', o.pod);
      print(renderOne(await client.create('clusters', { name: o.name, podId, hypervisor: o.hypervisor, cpuOvercommit: o.cpuOvercommit, memoryOvercommit: o.memoryOvercommit }), output));
    });

  const host = addResourceCommands(program, {
    name: 'host', path: 'hosts',
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'state', header: 'STATE' }, { key: 'adminState', header: 'ADMIN' }, { key: 'hypervisor', header: 'HV' },
      { key: 'accelerator', header: 'ACCEL' }, { key: 'cpus', header: 'CPUS' }, { key: 'cpuAllocated', header: 'CPU-USED' },
      { key: 'memoryMiB', header: 'MEM-MIB' }, { key: 'memoryAllocatedMiB', header: 'MEM-USED' }, { key: 'instanceCount', header: 'INSTANCES' },
    ],
    listFilters: [
      { flag: '--state <state>', key: 'state', description: 'up, disconnected, down' },
      { flag: '--admin-state <state>', key: 'adminState', description: 'enabled, disabled, preparing-maintenance, in-maintenance' },
      { flag: '--cluster <cluster>', key: 'clusterId', description: 'cluster (name or id)', ref: ['clusters', 'cluster'] }],
  });
  addHostActionCommands(host);
  addHostTopCommand(host);
  host.command('join-token').description('print a token with which an agent joins a cluster')
    .option('--cluster <id>', 'cluster (default: the only one)').option('--ttl <seconds>', 'validity', num)
    .action(async (o: { cluster?: string; ttl?: number }, c: Command) => {
      const { client } = clientFor(c);
      let clusterId = o.cluster;
      if (!clusterId) {
        const cl = await client.list<{ id: string }>('clusters', { limit: 2 });
        if (cl.items.length !== 1) throw new Error('pass --cluster: there is not exactly one cluster');
        clusterId = cl.items[0]!.id;
      }
      const t = await client.create<{ token: string; expiresAt: string }>('join-tokens', { clusterId, ttlSeconds: o.ttl });
      print(t.token);
    });

  const pool = addResourceCommands(program, {
    name: 'pool', path: 'pools',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'kind', header: 'KIND' }, { key: 'hostId', header: 'HOST' }, { key: 'path', header: 'PATH' }, { key: 'capacityGiB', header: 'CAP-GIB' }, { key: 'allocatedGiB', header: 'ALLOC-GIB' }, { key: 'usedGiB', header: 'USED-GIB' }],
  });
  pool.command('create').description('a primary storage pool: a directory (local, shared) or a Ceph RBD pool (rbd)')
    .requiredOption('--name <name>').requiredOption('--cluster <id>').requiredOption('--kind <local|shared|rbd>')
    .option('--path <path>', 'local and shared pools: the directory').requiredOption('--capacity <GiB>', 'capacity in GiB', num).option('--host <id>', 'for local pools')
    .option('--rbd-pool <name>', 'rbd: the Ceph pool').option('--ceph-user <id>', 'rbd: the Ceph client id (default admin)')
    .option('--ceph-conf <path>', 'rbd: the ceph.conf path on every host of the cluster (default /etc/ceph/ceph.conf)')
    .option('--overcommit <ratio>', 'thin provisioning factor', num)
    .action(async (o: { name: string; cluster: string; kind: string; path?: string; capacity: number; host?: string; overcommit?: number; rbdPool?: string; cephUser?: string; cephConf?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('pools', {
        name: o.name, clusterId: o.cluster, kind: o.kind, path: o.path, capacityGiB: o.capacity, hostId: o.host, overcommit: o.overcommit,
        rbdPool: o.rbdPool, cephUser: o.cephUser, cephConf: o.cephConf,
      }), output));
    });
}
