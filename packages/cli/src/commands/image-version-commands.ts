import type { Command } from 'commander';
import type { ImageVersion, KumoClient, Operation } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type OutputFormat } from '../output.ts';
import { followOperation } from '../progress.ts';
import { print } from './resource-commands.ts';

/** `image` or `image:version` (a version label or id): launching names the default or that version. */
export function parseImageRef(ref: string): { image: string; version?: string } {
  const at = ref.lastIndexOf(':');
  if (at <= 0 || at === ref.length - 1) return { image: ref };
  return { image: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** A version of an image by its label ("2") or id. */
export async function resolveVersion(client: KumoClient, imageId: string, ref: string): Promise<ImageVersion> {
  const page = await client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${imageId}/versions`);
  const v = page.items.find((x) => x.id === ref) ?? page.items.find((x) => x.version === ref);
  if (!v) throw new CliError(`the image has no version ${ref} (it has ${page.items.map((x) => x.version).join(', ') || 'none'})`);
  return v;
}

const versionColumns = [
  { key: 'id', header: 'ID' }, { key: 'version', header: 'VERSION' }, { key: 'default', header: 'DEFAULT' }, { key: 'parent', header: 'PARENT' },
  { key: 'format', header: 'FORMAT' }, { key: 'sizeBytes', header: 'BYTES' }, { key: 'state', header: 'STATE' }, { key: 'source', header: 'CAPTURED-FROM' },
];

/** Versions as a table: the default marked, each version's parent by its label (lineage). */
export function versionRows(items: ImageVersion[]): Array<Record<string, unknown>> {
  const label = new Map(items.map((v) => [v.id, v.version]));
  return items.map((v) => ({
    ...v, default: v.isDefault ? '*' : '', parent: v.parentVersionId ? (label.get(v.parentVersionId) ?? v.parentVersionId) : '-',
    source: v.sourceInstanceId ?? v.sourceSnapshotId ?? '-',
  }));
}

async function finish(client: KumoClient, op: Operation, wait: boolean | undefined, output: OutputFormat): Promise<void> {
  const final = wait ? await followOperation(client, op) : op;
  print(renderOne(final as unknown as Record<string, unknown>, output));
  if (wait && final.status !== 'succeeded') throw new CliError(`operation ${final.status}: ${final.error?.message ?? final.message}`, 2);
}

/** image versions | capture | default | rollback | version-delete. */
export function addImageVersionCommands(image: Command): void {
  image.command('versions <image>').description('list the versions of an image: the default (*), each one\'s parent, where it was captured from')
    .action(async (ref: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      const page = await client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${id}/versions`);
      print(renderList(output === 'json' ? page.items as unknown as Array<Record<string, unknown>> : versionRows(page.items), versionColumns, output));
    });

  image.command('capture [instance]').description('capture an image from a stopped instance\'s root volume, or with --snapshot from a ready snapshot (a new version when NAME exists)')
    .requiredOption('--name <name>', 'image name (yours); an existing one gets a new version').option('--version <label>', 'version label (default: the next number)')
    .option('--snapshot <snapshot>', 'capture from this snapshot (name or id) instead of an instance')
    .option('--description <text>').option('--wait', 'wait for the capture (progress bar)')
    .action(async (ref: string | undefined, o: { name: string; version?: string; description?: string; snapshot?: string; wait?: boolean }, c: Command) => {
      if ((ref === undefined) === (o.snapshot === undefined)) throw new CliError('name an INSTANCE or --snapshot SNAPSHOT (one of the two) to capture from');
      const { client, output } = clientFor(c);
      const path = o.snapshot !== undefined
        ? `/api/v1/snapshots/${await resolveId(client, 'snapshots', 'snapshot', o.snapshot)}/capture`
        : `/api/v1/instances/${await resolveId(client, 'instances', 'instance', ref!)}/capture`;
      const op = await client.request<Operation>('POST', path, { body: { name: o.name, ...(o.version ? { version: o.version } : {}), ...(o.description ? { description: o.description } : {}) } });
      await finish(client, op, o.wait, output);
    });

  image.command('default <image> <version>').description('make a version (label or id) the image\'s default')
    .action(async (ref: string, version: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      const v = await resolveVersion(client, id, version);
      print(renderOne(await client.request<Record<string, unknown>>('POST', `/api/v1/images/${id}/default`, { body: { versionId: v.id } }), output));
    });

  image.command('rollback <image>').description('make an older version the default again: --to VERSION, or the default\'s parent')
    .option('--to <version>', 'version label or id')
    .action(async (ref: string, o: { to?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      const body = o.to ? { versionId: (await resolveVersion(client, id, o.to)).id } : {};
      print(renderOne(await client.request<Record<string, unknown>>('POST', `/api/v1/images/${id}/rollback`, { body }), output));
    });

  image.command('version-delete <image> <version>').description('delete a version and its file (refused while instances use it)')
    .option('--new-default <version>', 'the default after deleting the default version')
    .action(async (ref: string, version: string, o: { newDefault?: string }, c: Command) => {
      const { client } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      const v = await resolveVersion(client, id, version);
      const next = o.newDefault ? (await resolveVersion(client, id, o.newDefault)).id : undefined;
      await client.request('DELETE', `/api/v1/images/${id}/versions/${v.id}`, { query: next ? { newDefaultVersionId: next } : {} });
      process.stdout.write(`deleted version ${v.version}\n`);
    });
}
