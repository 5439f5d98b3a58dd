import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { addResourceCommands, print } from './resource-commands.ts';
import { addImageVersionCommands } from './image-version-commands.ts';
import { addImagePropertyOptions, imagePropertyBody, type ImagePropertyFlags } from './image-property-options.ts';

const num = (v: string) => Number(v);

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), async function* (src: AsyncIterable<Buffer>) { for await (const chunk of src) h.update(chunk); yield* []; });
  return h.digest('hex');
}

/** image, offering, keypair, affinity-group. */
export function addCatalogCommands(program: Command): void {
  const image = addResourceCommands(program, {
    name: 'image', path: 'images',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'kind', header: 'KIND' }, { key: 'public', header: 'PUBLIC' }, { key: 'defaultVersionId', header: 'DEFAULT' }],
  });
  addImagePropertyOptions(image.command('create').requiredOption('--name <name>').option('--description <text>').option('--kind <template|iso|kernel>').option('--public'))
    .action(async (o: { name: string; description?: string; kind?: string; public?: boolean } & ImagePropertyFlags, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('images', { name: o.name, description: o.description, kind: o.kind, public: o.public, ...imagePropertyBody(o) }), output));
    });
  addImagePropertyOptions(image.command('update <image>').description('change an image\'s description or properties (instances get them at their next start)').option('--description <text>'))
    .action(async (ref: string, o: { description?: string } & ImagePropertyFlags, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      print(renderOne(await client.update('images', id, { description: o.description, ...imagePropertyBody(o) }), output));
    });
  addImageVersionCommands(image);

  image.command('upload <image> <file>').description('upload a file as a new version of an image (SHA-256 checked by the server)')
    .requiredOption('--version <version>').option('--format <qcow2|raw|iso|kernel-initrd>', 'format (default: from the file name)')
    .option('--cmdline <text>', 'kernel command line (kernel-initrd bundles)')
    .action(async (ref: string, file: string, o: { version: string; format?: string; cmdline?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'images', 'image', ref);
      const format = o.format ?? (file.endsWith('.qcow2') ? 'qcow2' : file.endsWith('.iso') ? 'iso' : file.endsWith('.tar') ? 'kernel-initrd' : 'raw');
      const size = statSync(file).size;
      const sha256 = await sha256File(file);
      let sent = 0;
      const tty = process.stderr.isTTY;
      const progress = new Transform({
        transform(chunk: Buffer, _e, cb) {
          sent += chunk.length;
          if (tty) process.stderr.write(`\r\x1b[Kuploading ${Math.floor((sent / size) * 100)}% (${sent}/${size} bytes)`);
          cb(null, chunk);
        },
      });
      const stream = Readable.toWeb(createReadStream(file).pipe(progress)) as ReadableStream<Uint8Array>;
      const v = await client.upload<Record<string, unknown>>(`/api/v1/images/${id}/versions/${encodeURIComponent(o.version)}/file`, { format, sha256, cmdline: o.cmdline }, stream, size);
      if (tty) process.stderr.write('\n');
      print(renderOne(v, output));
    });

  const offering = addResourceCommands(program, {
    name: 'offering', path: 'offerings',
    columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'vcpus', header: 'VCPUS' }, { key: 'memoryMiB', header: 'MEM-MIB' }, { key: 'rootDiskGiB', header: 'DISK-GIB' }, { key: 'qosClass', header: 'QOS' }, { key: 'ha', header: 'HA' }],
  });
  offering.command('create').requiredOption('--name <name>').requiredOption('--vcpus <n>', '', num).requiredOption('--memory <MiB>', '', num)
    .requiredOption('--disk <GiB>', '', num).option('--qos <guaranteed|best-effort>').option('--ha').option('--full-disk', 'full raw copy instead of a linked clone')
    .action(async (o: { name: string; vcpus: number; memory: number; disk: number; qos?: string; ha?: boolean; fullDisk?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('offerings', {
        name: o.name, vcpus: o.vcpus, memoryMiB: o.memory, rootDiskGiB: o.disk, qosClass: o.qos, ha: o.ha, diskProvisioning: o.fullDisk ? 'full' : undefined,
      }), output));
    });

  const keypair = addResourceCommands(program, {
    name: 'keypair', path: 'keypairs', columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'fingerprint', header: 'FINGERPRINT' }],
  });
  keypair.command('create').requiredOption('--name <name>').option('--public-key <key>').option('--public-key-file <path>')
    .action(async (o: { name: string; publicKey?: string; publicKeyFile?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const publicKey = o.publicKey ?? (o.publicKeyFile ? readFileSync(o.publicKeyFile, 'utf8').trim() : undefined);
      if (!publicKey) throw new Error('pass --public-key or --public-key-file');
      print(renderOne(await client.create('keypairs', { name: o.name, publicKey }), output));
    });

  const ag = addResourceCommands(program, {
    name: 'affinity-group', path: 'affinity-groups', columns: [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'policy', header: 'POLICY' }],
  });
  ag.command('create').requiredOption('--name <name>').requiredOption('--policy <affinity|anti-affinity>')
    .action(async (o: { name: string; policy: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('affinity-groups', o), output));
    });

  // API keys: auth-commands.ts
}
