/** `node --import tsx packages/image-debian/src/main.ts`: build (or find) the Debian image, print it as JSON. */
import { buildDebianImage } from './build-debian-image.ts';

const image = await buildDebianImage({ log: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
