/**
 * A separate process doing one piece of volume work, for tests that kill an agent with SIGKILL
 * in the middle of it. Argument: JSON
 *   {"op":"snapshot","localPool","workDir","storeUrl","token","volumeId","snapshotId"}
 *   {"op":"create","pool":PoolRef,"volumeId","sizeGiB","base":{imageVersionId,path,format}}
 * Prints "started" once the work began.
 */
import { join } from 'node:path';
import type { PoolRef } from '@kumo/api';
import { ImageCache, type BaseImage } from '@kumo/storage';
import { PoolRegistry } from '../pool-registry.ts';
import { QemuVolumeManager } from '../qemu-volume-manager.ts';
import { SnapshotUploader } from '../snapshot-upload.ts';

type Work =
  | { op: 'snapshot'; localPool: string; workDir: string; storeUrl: string; token: string; volumeId: string; snapshotId: string }
  | { op: 'create'; pool: PoolRef; volumeId: string; sizeGiB: number; base: BaseImage };

const work = JSON.parse(process.argv[2] ?? '{}') as Work;
process.stdout.write('started\n');
if (work.op === 'snapshot') {
  const manager = new QemuVolumeManager(new ImageCache({ dir: join(work.workDir, '..', 'child-cache') }), work.localPool, {
    uploader: new SnapshotUploader(work.storeUrl, () => work.token), workDir: work.workDir,
  });
  await manager.snapshot({
    volumeId: work.volumeId, snapshotId: work.snapshotId, pool: { kind: 'directory', path: work.localPool }, instanceId: '',
    target: { kind: 'image-store', uploadPath: `/api/v1/snapshots/${work.snapshotId}/file` },
  });
} else {
  await new PoolRegistry('/nonexistent').get(work.pool).createVolume({ volumeId: work.volumeId, sizeGiB: work.sizeGiB, source: { kind: 'image', base: work.base, provisioning: 'full' } });
}
process.stdout.write('done\n');
