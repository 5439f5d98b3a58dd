import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { InstanceAddress, KumoClient, Operation } from '@kumo/api';
import { CliError, clientFor, defaultZone, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type OutputFormat } from '../output.ts';
import { followOperation } from '../progress.ts';
import { runConsoleSession } from '../console-session.ts';
import { addResourceCommands, print } from './resource-commands.ts';
import { addInstanceTopCommand } from './top-commands.ts';
import { parseImageRef } from './image-version-commands.ts';
import { addInstanceCdromCommands } from './instance-cdrom-commands.ts';
import { checkInstanceType, type InstanceType } from './instance-type.ts';
import { addInstanceMigrateCommands } from './instance-migrate-commands.ts';
import { addInstanceConvertCommands } from './instance-convert-commands.ts';
import { addInstanceResizeCommands } from './instance-resize-commands.ts';
import { addInstanceHaCommands } from './ha-commands.ts';
import { addInstanceGuestCommands } from './instance-guest-commands.ts';

export async function finish(client: KumoClient, op: Operation, wait: boolean | undefined, output: OutputFormat): Promise<void> {
  if (!wait) { print(renderOne(op as unknown as Record<string, unknown>, output)); return; }
  const final = await followOperation(client, op);
  print(renderOne(final as unknown as Record<string, unknown>, output));
  if (final.status !== 'succeeded') throw new CliError(`operation ${final.status}: ${final.error?.message ?? final.message}`, 2);
}

/**
 * An instance's addresses on one line, as `openstack server show` prints them: per NIC
 * `network=private-ip[, public-ip] (mac)`, separated by `; `.
 */
export function formatAddresses(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '-';
  return (v as InstanceAddress[]).map((a) => `${a.networkName}=${a.ip}${a.publicIp ? `, ${a.publicIp}` : ''} (${a.mac})`).join('; ');
}

/** `--image IMAGE[:VERSION]` as the API fields: the image, and the version by id or label. */
async function imageOf(client: KumoClient, ref: string): Promise<{ imageId: string; imageVersionId?: string; imageVersion?: string }> {
  const { image, version } = parseImageRef(ref);
  const imageId = await resolveId(client, 'images', 'image', image);
  if (!version) return { imageId };
  return /^imgv-/.test(version) ? { imageId, imageVersionId: version } : { imageId, imageVersion: version };
}

/** instance, operation, event. */
export function addInstanceCommands(program: Command): void {
  const inst = addResourceCommands(program, {
    name: 'instance', path: 'instances', deletable: false,
    columns: [
      { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'type', header: 'TYPE' }, { key: 'phase', header: 'PHASE' }, { key: 'task', header: 'TASK' },
      { key: 'vcpus', header: 'VCPUS' }, { key: 'memoryMiB', header: 'MEM-MIB' }, { key: 'hostId', header: 'HOST' },
    ],
    listFilters: [{ flag: '--phase <phase>', key: 'phase', description: 'filter by phase' }, { flag: '--name <name>', key: 'name', description: 'filter by name' }],
    showFormat: { addresses: formatAddresses, cdrom: (v: unknown) => (v ? ((v as { imageId: string | null }).imageId ?? 'empty') : '-') },
  });

  addInstanceTopCommand(inst);
  inst.command('create').description('create (and start) instances')
    .requiredOption('--name <name>', 'name; with --count N, names get -1..-N')
    .option('--image <image>', 'image name or id, or IMAGE:VERSION (a version label or id; default: the image\'s default version)')
    .option('--iso <iso>', 'install from this ISO (name or id): a blank root disk, the ISO in the CD-ROM, booted first')
    .option('--type <vm|container>', 'check the image makes this type: a container from a root-fs image (e.g. tiny-ct) on an LXC host, a VM from any other')
    .option('--disk-size <GiB>', 'root disk size (default: the offering\'s)', (v) => Number(v))
    .requiredOption('--offering <offering>', 'offering name or id')
    .option('--zone <zone>').option('--keypair <keypair>').option('--user-data-file <path>').option('--count <n>', 'how many', (v) => Number(v), 1)
    .option('--host-tag <tag...>', 'hosts must carry these tags').option('--affinity-group <group...>')
    .option('--network <network...>', 'one NIC on each network (name or id), in order; default: the account\'s network "default", if any')
    .option('--no-network', 'no NIC at all')
    .option('--config-drive', 'attach a NoCloud config drive (meta-data, user-data, network-config)')
    .option('--ha', 'high availability: restart on another host when its host fails (default: the offering\'s)')
    .option('--graphical-console <on|off>', 'a display and VNC server (graphical console, screenshots); default: on for disk images and ISOs, off for kernel bundles')
    .option('--ha-priority <n>', 'HA restart order: higher first (default 0)', (v) => Number(v))
    .option('--no-start', 'create stopped').option('--wait', 'wait until running (progress bar)')
    .action(async (o: {
      name: string; image?: string; iso?: string; diskSize?: number; offering: string; zone?: string; keypair?: string; userDataFile?: string; count: number; hostTag?: string[];
      affinityGroup?: string[]; network?: string[] | false; configDrive?: boolean; ha?: boolean; haPriority?: number; start: boolean; wait?: boolean; type?: string;
      graphicalConsole?: string;
    }, c: Command) => {
      const { client, output } = clientFor(c);
      if (o.graphicalConsole !== undefined && o.graphicalConsole !== 'on' && o.graphicalConsole !== 'off') throw new CliError(`--graphical-console: on or off, got '${o.graphicalConsole}'`);
      if (!o.image === !o.iso) throw new CliError('pass --image (a template) or --iso (an ISO install), one of them');
      if (o.type !== undefined && o.type !== 'vm' && o.type !== 'container') throw new CliError(`--type: vm or container, got '${o.type}'`);
      const image = o.image ? await imageOf(client, o.image) : undefined;
      if (o.type) await checkInstanceType(client, o.type as InstanceType, image);
      const body = {
        zoneId: await defaultZone(client, o.zone),
        ...(image ?? {}),
        ...(o.iso ? { isoImageId: await resolveId(client, 'images', 'ISO', o.iso) } : {}),
        ...(o.diskSize ? { diskSizeGiB: o.diskSize } : {}),
        offeringId: await resolveId(client, 'offerings', 'offering', o.offering),
        ...(o.keypair ? { keypairId: await resolveId(client, 'keypairs', 'key pair', o.keypair) } : {}),
        ...(o.userDataFile ? { userData: readFileSync(o.userDataFile, 'utf8') } : {}),
        ...(o.hostTag ? { hostTags: o.hostTag } : {}),
        ...(o.affinityGroup ? { affinityGroupIds: await Promise.all(o.affinityGroup.map((g) => resolveId(client, 'affinity-groups', 'affinity group', g))) } : {}),
        ...(o.network === false ? { nics: [] } : {}),
        ...(Array.isArray(o.network) ? { nics: await Promise.all(o.network.map(async (n) => ({ networkId: await resolveId(client, 'networks', 'network', n) }))) } : {}),
        ...(o.configDrive ? { configDrive: true } : {}),
        ...(o.graphicalConsole !== undefined ? { graphicalConsole: o.graphicalConsole === 'on' } : {}),
        ...(o.ha ? { ha: true } : {}), ...(o.haPriority !== undefined ? { haPriority: o.haPriority } : {}),
        ...(o.start ? {} : { start: false }),
        ...(o.type ? { type: o.type } : {}),
      };
      const count = Math.max(1, o.count);
      for (let i = 1; i <= count; i++) {
        const op = await client.create<Operation>('instances', { ...body, name: count > 1 ? `${o.name}-${i}` : o.name });
        await finish(client, op, o.wait, output);
      }
    });

  for (const action of ['start', 'reboot', 'pause', 'resume', 'save', 'restore'] as const) {
    inst.command(`${action} <id>`).description(`${action} an instance`).option('--wait', 'wait for the operation')
      .action(async (id: string, o: { wait?: boolean }, c: Command) => {
        const { client, output } = clientFor(c);
        await finish(client, await client.instanceAction(await resolveId(client, 'instances', 'instance', id), action), o.wait, output);
      });
  }
  inst.command('stop <id>').description('stop an instance (ACPI power-down, then kill after the timeout)')
    .option('--force', 'kill at once').option('--timeout <seconds>', 'graceful timeout', (v) => Number(v)).option('--wait')
    .action(async (id: string, o: { force?: boolean; timeout?: number; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const op = await client.instanceAction(await resolveId(client, 'instances', 'instance', id), 'stop', { ...(o.force ? { force: true } : {}), ...(o.timeout ? { timeoutSec: o.timeout } : {}) });
      await finish(client, op, o.wait, output);
    });
  inst.command('delete <id>').alias('rm').description('delete an instance and its disks').option('--wait')
    .action(async (id: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const op = await client.request<Operation>('DELETE', `/api/v1/instances/${await resolveId(client, 'instances', 'instance', id)}`);
      await finish(client, op, o.wait, output);
    });

  addInstanceCdromCommands(inst);
  addInstanceMigrateCommands(inst);
  addInstanceConvertCommands(inst);
  addInstanceResizeCommands(inst);
  addInstanceHaCommands(inst);
  addInstanceGuestCommands(inst);

  inst.command('console <id>').description('attach to the serial console (escape: Ctrl-])').action(async (id: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    const token = client.tokenValue();
    if (!token) throw new CliError('not logged in');
    await runConsoleSession({ serverUrl: client.baseUrl, token, instanceId: await resolveId(client, 'instances', 'instance', id) });
  });
  inst.command('log <id>').description('print recent serial console output').action(async (id: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    const text = await client.requestText('GET', `/api/v1/instances/${await resolveId(client, 'instances', 'instance', id)}/console/log`);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });

  const operation = addResourceCommands(program, {
    name: 'operation', path: 'operations', deletable: false,
    columns: [{ key: 'id', header: 'ID' }, { key: 'kind', header: 'KIND' }, { key: 'resourceId', header: 'RESOURCE' }, { key: 'status', header: 'STATUS' }, { key: 'progress', header: '%' }, { key: 'message', header: 'MESSAGE' }],
    listFilters: [{ flag: '--status <status>', key: 'status', description: 'pending, running, succeeded, failed, cancelled' }],
  });
  operation.command('wait <id>').description('wait for an operation to end').action(async (id: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    await finish(client, await client.get<Operation>('operations', id), true, output);
  });
  operation.command('cancel <id>').description('cancel an operation: the host undoes the work (instance save and restore, migration, snapshot creation)')
    .option('--wait', 'wait until the operation has ended').action(async (id: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const op = await client.request<Operation>('POST', `/api/v1/operations/${encodeURIComponent(id)}/cancel`);
      if (!o.wait) { print(renderOne(op as unknown as Record<string, unknown>, output)); return; }
      const final = await followOperation(client, op);
      print(renderOne(final as unknown as Record<string, unknown>, output));
      if (final.status !== 'cancelled') throw new CliError(`operation ended ${final.status} before the cancel took effect: ${final.message}`, 2);
    });

  program.command('event').description('recent events').command('list').alias('ls').option('--resource <id>').option('--limit <n>', '', (v) => Number(v), 50)
    .action(async (o: { resource?: string; limit: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const page = await client.list<Record<string, unknown>>('events', { resourceId: o.resource, limit: o.limit, sort: '-id' });
      print(renderList(page.items.reverse(), [{ key: 'createdAt', header: 'TIME' }, { key: 'severity', header: 'SEV' }, { key: 'resourceId', header: 'RESOURCE' }, { key: 'message', header: 'MESSAGE' }], output));
    });
}
