/**
 * Builds the tiny guest image and prints the TinyImage as JSON.
 *   node --import tsx packages/image-tiny/src/main.ts OUTDIR
 */
import { buildTinyImage } from './build-tiny-image.ts';

const outDir = process.argv[2];
if (!outDir || outDir.startsWith('-')) {
  process.stderr.write('usage: node --import tsx packages/image-tiny/src/main.ts OUTDIR\n');
  process.exit(2);
}
try {
  const image = await buildTinyImage({ outDir, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
