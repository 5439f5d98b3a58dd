import { createHash } from 'node:crypto';
import type { KumoClient } from '@kumo/api';

/** Set up a cloud through the public API only (as an operator would). */
export async function provisionThroughApi(client: KumoClient) {
  const zone = await client.create<{ id: string }>('zones', { name: 'z1' });
  const pod = await client.create<{ id: string }>('pods', { zoneId: zone.id, name: 'p1' });
  const cluster = await client.create<{ id: string }>('clusters', { podId: pod.id, name: 'c1', hypervisor: 'fake' });
  const offering = await client.create<{ id: string }>('offerings', { name: 'small', vcpus: 1, memoryMiB: 256, rootDiskGiB: 1 });
  const image = await client.create<{ id: string }>('images', { name: 'tiny', public: true });
  await client.request('POST', `/api/v1/images/${image.id}/versions`, { body: { version: '1', format: 'qcow2', sizeBytes: 0, sha256: createHash('sha256').update('').digest('hex') } });
  const jt = await client.create<{ token: string }>('join-tokens', { clusterId: cluster.id });
  return { zoneId: zone.id, offeringId: offering.id, imageId: image.id, joinToken: jt.token };
}
