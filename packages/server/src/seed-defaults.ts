import { newId } from '@kumo/core';
import type { ImageRow, Repos } from '@kumo/db';
import type { ServerContext } from './context.ts';
import { nowIso } from './context.ts';

export interface DefaultCloud { zoneId: string; podId: string; clusterId: string; offeringIds: Record<string, string> }

/** Standard offerings a fresh cloud starts with (CloudStack ships similar "Small/Medium Instance"). */
export const defaultOfferings = [
  { name: 'tiny', vcpus: 1, memoryMiB: 128, rootDiskGiB: 1 },
  { name: 'small', vcpus: 1, memoryMiB: 256, rootDiskGiB: 2 },
  { name: 'medium', vcpus: 2, memoryMiB: 2048, rootDiskGiB: 20 },
  { name: 'large', vcpus: 4, memoryMiB: 8192, rootDiskGiB: 40 },
] as const;

async function ensure<T extends { id: string }>(find: () => Promise<T | undefined>, make: () => Promise<T>): Promise<T> {
  return (await find()) ?? make();
}

/** A zone, pod and cluster of the given hypervisor and the standard offerings, created if missing. */
export async function seedDefaultCloud(ctx: Pick<ServerContext, 'repos' | 'clock'>, hypervisor: 'qemu' | 'lxc' | 'fake'): Promise<DefaultCloud> {
  const repos: Repos = ctx.repos;
  const db = repos.db;
  const now = () => nowIso(ctx.clock);
  const zone = await ensure<{ id: string }>(() => db.selectFrom('zones').selectAll().where('name', '=', 'zone1').executeTakeFirst(), async () => {
    const row = { id: newId('zone'), name: 'zone1', description: 'default zone', placementStrategy: 'spread' as const, createdAt: now() };
    await repos.zones.insert(row); return row;
  });
  const pod = await ensure(() => db.selectFrom('pods').selectAll().where('zoneId', '=', zone.id).where('name', '=', 'pod1').executeTakeFirst(), async () => {
    const row = { id: newId('pod'), zoneId: zone.id, name: 'pod1', createdAt: now() };
    await repos.pods.insert(row); return row;
  });
  const clusterName = `${hypervisor}1`;
  const cluster = await ensure(() => db.selectFrom('clusters').selectAll().where('podId', '=', pod.id).where('name', '=', clusterName).executeTakeFirst(), async () => {
    const row = { id: newId('cluster'), zoneId: zone.id, podId: pod.id, name: clusterName, hypervisor, cpuOvercommit: hypervisor === 'fake' ? 1 : 4, memoryOvercommit: 1, createdAt: now() };
    await repos.clusters.insert(row); return row;
  });
  const offeringIds: Record<string, string> = {};
  for (const o of defaultOfferings) {
    const row = await ensure(() => db.selectFrom('offerings').selectAll().where('name', '=', o.name).executeTakeFirst(), async () => {
      const r = { id: newId('offering'), ...o, description: `${o.vcpus} vCPU, ${o.memoryMiB} MiB`, qosClass: 'guaranteed' as const, ha: 0, diskProvisioning: 'linked' as const, stopTimeoutSec: 30, createdAt: now() };
      await repos.offerings.insert(r); return r;
    });
    offeringIds[o.name] = row.id;
  }
  return { zoneId: zone.id, podId: pod.id, clusterId: cluster.id, offeringIds };
}

/** A public image owned by the admin account with one registered version (for simulated clouds). */
export async function seedImage(ctx: Pick<ServerContext, 'repos' | 'clock'>, name: string, version: { format: 'qcow2' | 'raw' | 'kernel-initrd'; sizeBytes: number; sha256: string; cmdline?: string; storagePath?: string }): Promise<{ imageId: string; versionId: string }> {
  const db = ctx.repos.db;
  const admin = await db.selectFrom('accounts').select('id').where('role', '=', 'admin').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const now = nowIso(ctx.clock);
  let image: ImageRow | undefined = await db.selectFrom('images').selectAll().where('accountId', '=', admin.id).where('name', '=', name).executeTakeFirst();
  if (!image) {
    image = { id: newId('image'), accountId: admin.id, name, description: `${name} image`, kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now };
    await ctx.repos.images.insert(image);
  }
  const existing = await db.selectFrom('imageVersions').selectAll().where('imageId', '=', image.id).where('sha256', '=', version.sha256).executeTakeFirst();
  if (existing) return { imageId: image.id, versionId: existing.id };
  const count = await db.selectFrom('imageVersions').select((eb) => eb.fn.countAll<number>().as('n')).where('imageId', '=', image.id).executeTakeFirst();
  const versionId = newId('imageVersion');
  await ctx.repos.imageVersions.insert({
    id: versionId, imageId: image.id, version: String(Number(count?.n ?? 0) + 1), format: version.format, sizeBytes: version.sizeBytes,
    sha256: version.sha256, state: 'ready', cmdline: version.cmdline ?? '', storagePath: version.storagePath ?? '', createdAt: now,
  });
  await ctx.repos.imageVersions.setDefault(image.id, versionId); // the newest version is the default
  return { imageId: image.id, versionId };
}
