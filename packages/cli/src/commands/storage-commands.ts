import type { Command } from 'commander';
import type { KumoClient, Operation } from '@kumo/api';
import { clientFor, defaultZone, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { addResourceCommands, print } from './resource-commands.ts';
import { finish } from './instance-commands.ts';

const num = (v: string) => Number(v);
const volumeId = (client: KumoClient, ref: string) => resolveId(client, 'volumes', 'volume', ref);
const snapshotId = (client: KumoClient, ref: string) => resolveId(client, 'snapshots', 'snapshot', ref);

/** volume, snapshot, disk-offering (with its I/O limits). */
export function addStorageCommands(program: Command): void {
  const volume = addResourceCommands(program, {
    name: 'volume', path: 'volumes', deletable: false,
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'kind', header: 'KIND' }, { key: 'sizeGiB', header: 'GIB' },
      { key: 'phase', header: 'PHASE' }, { key: 'task', header: 'TASK' }, { key: 'instanceId', header: 'INSTANCE' }, { key: 'poolId', header: 'POOL' },
    ],
    listFilters: [
      { flag: '--instance <instance>', key: 'instanceId', description: 'attached to this instance', ref: ['instances', 'instance'] },
      { flag: '--name <name>', key: 'name', description: 'filter by name' },
    ],
  });
  volume.command('create').description('create a data volume: --size, a --disk-offering or a --snapshot')
    .requiredOption('--name <name>').option('--size <GiB>', 'exactly this many GiB', num).option('--disk-offering <offering>', 'its size and I/O limits')
    .option('--snapshot <snapshot>', 'a copy of this snapshot').option('--zone <zone>').option('--pool <pool>', 'default: the scheduler picks one')
    .option('--wait', 'wait until it is ready')
    .action(async (o: { name: string; size?: number; diskOffering?: string; snapshot?: string; zone?: string; pool?: string; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const body = {
        name: o.name, zoneId: await defaultZone(client, o.zone),
        ...(o.size !== undefined ? { sizeGiB: o.size } : {}),
        ...(o.diskOffering ? { diskOfferingId: await resolveId(client, 'disk-offerings', 'disk offering', o.diskOffering) } : {}),
        ...(o.snapshot ? { snapshotId: await snapshotId(client, o.snapshot) } : {}),
        ...(o.pool ? { poolId: await resolveId(client, 'pools', 'pool', o.pool) } : {}),
      };
      await finish(client, await client.create<Operation>('volumes', body), o.wait, output);
    });
  volume.command('attach <volume> <instance>').description('attach to an instance (hot-plug when it runs)').option('--wait')
    .action(async (ref: string, inst: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await volumeId(client, ref);
      const op = await client.request<Operation>('POST', `/api/v1/volumes/${id}/attach`, { body: { instanceId: await resolveId(client, 'instances', 'instance', inst) } });
      await finish(client, op, o.wait, output);
    });
  volume.command('detach <volume>').description('detach from its instance').option('--wait')
    .action(async (ref: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      await finish(client, await client.request<Operation>('POST', `/api/v1/volumes/${await volumeId(client, ref)}/detach`), o.wait, output);
    });
  volume.command('resize <volume>').description('grow to exactly --size GiB (online when its instance runs; shrinking is refused)')
    .requiredOption('--size <GiB>', '', num).option('--wait')
    .action(async (ref: string, o: { size: number; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      await finish(client, await client.request<Operation>('POST', `/api/v1/volumes/${await volumeId(client, ref)}/resize`, { body: { sizeGiB: o.size } }), o.wait, output);
    });
  volume.command('update <volume>').description('rename, or change the disk offering (I/O limits, live on a running instance)')
    .option('--name <name>').option('--disk-offering <offering>', 'a disk offering, or "none"').option('--wait')
    .action(async (ref: string, o: { name?: string; diskOffering?: string; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(o.diskOffering === 'none' ? { diskOfferingId: null } : o.diskOffering ? { diskOfferingId: await resolveId(client, 'disk-offerings', 'disk offering', o.diskOffering) } : {}),
      };
      await finish(client, await client.request<Operation>('PATCH', `/api/v1/volumes/${await volumeId(client, ref)}`, { body }), o.wait, output);
    });
  volume.command('restore <volume>').description('put the volume back to a snapshot of it (its instance stopped)')
    .requiredOption('--snapshot <snapshot>').option('--wait')
    .action(async (ref: string, o: { snapshot: string; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const op = await client.request<Operation>('POST', `/api/v1/volumes/${await volumeId(client, ref)}/restore`, { body: { snapshotId: await snapshotId(client, o.snapshot) } });
      await finish(client, op, o.wait, output);
    });
  volume.command('delete <volume>').alias('rm').description('delete a detached volume (its snapshots stay)').option('--wait')
    .action(async (ref: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      await finish(client, await client.request<Operation>('DELETE', `/api/v1/volumes/${await volumeId(client, ref)}`), o.wait, output);
    });

  const snapshot = addResourceCommands(program, {
    name: 'snapshot', path: 'snapshots', deletable: false,
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'volumeId', header: 'VOLUME' }, { key: 'sizeGiB', header: 'GIB' },
      { key: 'location', header: 'LOCATION' }, { key: 'phase', header: 'PHASE' }, { key: 'createdAt', header: 'CREATED' },
    ],
    listFilters: [{ flag: '--volume <volume>', key: 'volumeId', description: 'snapshots of this volume', ref: ['volumes', 'volume'] }],
  });
  snapshot.command('create <volume>').description('snapshot a volume (crash-consistent while its instance runs)')
    .option('--name <name>', 'default: the volume\'s name and the time').option('--wait', 'wait until it is taken (progress bar)')
    .action(async (ref: string, o: { name?: string; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await volumeId(client, ref);
      const name = o.name ?? `snap-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
      await finish(client, await client.request<Operation>('POST', `/api/v1/volumes/${id}/snapshots`, { body: { name } }), o.wait, output);
    });
  snapshot.command('delete <snapshot>').alias('rm').option('--wait')
    .action(async (ref: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      await finish(client, await client.request<Operation>('DELETE', `/api/v1/snapshots/${await snapshotId(client, ref)}`), o.wait, output);
    });

  const diskOffering = addResourceCommands(program, {
    name: 'disk-offering', path: 'disk-offerings',
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'sizeGiB', header: 'GIB' }, { key: 'readIops', header: 'R-IOPS' },
      { key: 'writeIops', header: 'W-IOPS' }, { key: 'readBytesPerSec', header: 'R-B/S' }, { key: 'writeBytesPerSec', header: 'W-B/S' },
    ],
  });
  diskOffering.command('create').description('a disk size with optional I/O limits (QEMU throttle groups)')
    .requiredOption('--name <name>').requiredOption('--size <GiB>', '', num).option('--description <text>').option('--qos <guaranteed|best-effort>')
    .option('--read-iops <n>', '', num).option('--write-iops <n>', '', num).option('--read-bytes-per-sec <n>', '', num).option('--write-bytes-per-sec <n>', '', num)
    .action(async (o: { name: string; size: number; description?: string; qos?: string; readIops?: number; writeIops?: number; readBytesPerSec?: number; writeBytesPerSec?: number }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('disk-offerings', {
        name: o.name, sizeGiB: o.size, description: o.description, qosClass: o.qos,
        readIops: o.readIops, writeIops: o.writeIops, readBytesPerSec: o.readBytesPerSec, writeBytesPerSec: o.writeBytesPerSec,
      }), output));
    });
}
