import type { Command } from 'commander';
import { buildTinyImage } from '@kumo/image-tiny';
import { print } from '@kumo/cli';
import { clientForBinary } from './client-for-binary.ts';
import { ensureTinyImage } from './tiny-image.ts';
import { dataDir } from './config.ts';
import { join } from 'node:path';

/** `kumo image build-tiny`: build the tiny test image offline (and register it with --register). */
export function addImageBuildCommand(program: Command): void {
  const image = program.commands.find((c) => c.name() === 'image');
  if (!image) throw new Error('the image command must be registered first');
  image.command('build-tiny').description('build the tiny test guest (Debian kernel + busybox) offline; --register uploads it as image "tiny"')
    .option('--out <dir>', 'output directory', join(dataDir(), 'tiny', 'build'))
    .option('--register', 'upload it to the server as the public image "tiny"')
    .action(async (o: { out: string; register?: boolean }, c: Command) => {
      if (o.register) {
        const client = clientForBinary(c);
        const id = await ensureTinyImage(client, join(o.out, '..'), print);
        print(`image tiny: ${id}`);
        return;
      }
      const t = await buildTinyImage({ outDir: o.out, log: (l) => process.stderr.write(`${l}\n`) });
      print(JSON.stringify(t, null, 2));
    });
}
