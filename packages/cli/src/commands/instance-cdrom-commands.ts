import type { Command } from 'commander';
import { clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { resolveVersion } from './image-version-commands.ts';
import { print } from './resource-commands.ts';

/** instance cdrom insert|eject, instance boot-device. */
export function addInstanceCdromCommands(inst: Command): void {
  const cdrom = inst.command('cdrom').description('the instance\'s CD-ROM drive');
  cdrom.command('insert <instance> <iso>').description('insert an ISO (a running guest sees it at once; a stopped one gets a drive)')
    .option('--version <version>', 'ISO version label or id (default: its default)')
    .action(async (ref: string, iso: string, o: { version?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const imageId = await resolveId(client, 'images', 'image', iso);
      const versionId = o.version ? (await resolveVersion(client, imageId, o.version)).id : undefined;
      print(renderOne(await client.request<Record<string, unknown>>('POST', `/api/v1/instances/${id}/cdrom`, { body: { imageId, ...(versionId ? { imageVersionId: versionId } : {}) } }), output));
    });
  cdrom.command('eject <instance>').description('eject the ISO (the drive stays, empty)')
    .action(async (ref: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      print(renderOne(await client.request<Record<string, unknown>>('DELETE', `/api/v1/instances/${id}/cdrom`), output));
    });
  inst.command('boot-device <instance> <device>').description('boot from `disk` or `cdrom` first, from the next start')
    .action(async (ref: string, device: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      print(renderOne(await client.request<Record<string, unknown>>('PATCH', `/api/v1/instances/${id}`, { body: { bootDevice: device } }), output));
    });
}
