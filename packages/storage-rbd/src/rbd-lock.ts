/**
 * A create-once lock (see @kumo/storage createOnce) that is an RBD image: `rbd create` of an
 * existing name fails with EEXIST, which makes it an exclusive create across every host of the
 * cluster. The holder bumps a counter in the image's metadata to show it is alive.
 */
import type { CreateOnceLock } from '@kumo/storage';
import { errnoOf, rbdErrno, type RbdCli } from './rbd-cli.ts';

export function rbdImageLock(cli: RbdCli, image: string): CreateOnceLock {
  let beat = 0;
  return {
    name: `${cli.target.pool}/${image}`,
    async tryAcquire() {
      try {
        await cli.run(['create', '--size', '1M', image]);
      } catch (err) {
        if (errnoOf(err) === rbdErrno.EEXIST) return false;
        throw err;
      }
      await cli.run(['image-meta', 'set', image, 'kumo.heartbeat', String(beat)]);
      return true;
    },
    async refresh() {
      beat += 1;
      await cli.run(['image-meta', 'set', image, 'kumo.heartbeat', String(beat)]);
    },
    async stamp() {
      const v = await cli.orMissing(cli.run(['image-meta', 'get', image, 'kumo.heartbeat']));
      // An image without the key yet (its holder is between create and set) still is a lock.
      return v === null ? await cli.orMissing(cli.run(['info', image])).then((i) => (i === null ? null : 'new')) : v.trim();
    },
    async release() {
      await cli.orMissing(cli.run(['rm', image]));
    },
  };
}
