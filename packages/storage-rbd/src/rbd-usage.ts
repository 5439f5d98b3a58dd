/**
 * Usage of an RBD pool: provisioned and used bytes of its volumes from `rbd du` (fast with the
 * object-map and fast-diff features, on by default), capacity and free space from `ceph df`
 * (reported by the manager; a cluster without one reports 0, shown as capacity 0).
 */
import { runHostCommand, type PoolUsage } from '@kumo/storage';
import type { RbdCli } from './rbd-cli.ts';
import { rbdNames } from './rbd-names.ts';

const GiB = 1024 ** 3;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

interface DuImage { name: string; snapshot?: string; provisioned_size: number; used_size: number }
interface CephDf { pools?: Array<{ name: string; stats?: { stored?: number; bytes_used?: number; max_avail?: number } }> }

export async function readPoolUsage(cli: RbdCli): Promise<PoolUsage> {
  const du = await cli.json<{ images?: DuImage[] }>(['du']);
  let provisioned = 0;
  let used = 0;
  let volumeCount = 0;
  for (const img of du.images ?? []) {
    used += img.used_size;
    if (img.snapshot !== undefined || !rbdNames.isVolume(img.name)) continue;
    provisioned += img.provisioned_size;
    volumeCount += 1;
  }
  const t = cli.target;
  const df = await runHostCommand('ceph', ['-c', t.cephConf, '--id', t.user, '--connect-timeout', '15', 'df', '-f', 'json'], { timeoutMs: 20_000 })
    .then((out) => JSON.parse(out) as CephDf, () => ({} as CephDf));
  const stats = df.pools?.find((p) => p.name === t.pool)?.stats;
  const free = stats?.max_avail ?? 0;
  const stored = stats?.bytes_used ?? stats?.stored ?? 0;
  return {
    capacityGiB: round3((free + stored) / GiB),
    usedGiB: round3(used / GiB),
    freeGiB: round3(free / GiB),
    provisionedGiB: round3(provisioned / GiB),
    volumeCount,
  };
}
