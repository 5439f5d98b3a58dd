import { newId } from '@kumo/core';
import type { Repos } from '../repos/index.ts';
import type { HostRow } from '../schema.ts';

const now = () => new Date().toISOString();

/** A zone > pod > cluster with N up hosts, each with a local pool: the smallest useful cloud. */
export async function seedInfrastructure(repos: Repos, opts: { hosts: number; cpus?: number; memoryMiB?: number; hypervisor?: 'fake' | 'qemu'; vlanCapable?: 0 | 1 }) {
  const zoneId = newId('zone'); const podId = newId('pod'); const clusterId = newId('cluster');
  await repos.zones.insert({ id: zoneId, name: `z-${zoneId.slice(-6)}`, description: '', placementStrategy: 'spread', createdAt: now() });
  await repos.pods.insert({ id: podId, zoneId, name: 'pod1', createdAt: now() });
  await repos.clusters.insert({ id: clusterId, zoneId, podId, name: 'c1', hypervisor: opts.hypervisor ?? 'fake', cpuOvercommit: 1, memoryOvercommit: 1, createdAt: now() });
  const hosts: HostRow[] = [];
  const poolIds: string[] = [];
  for (let i = 0; i < opts.hosts; i++) {
    const h: HostRow = {
      id: newId('host'), zoneId, podId, clusterId, name: `h${i}`, hypervisor: opts.hypervisor ?? 'fake', state: 'up', adminState: 'enabled',
      address: `10.0.0.${i + 1}`, accelerator: 'none', cpuModel: 'fake', hypervisorVersion: '1', agentVersion: '1',
      cpus: opts.cpus ?? 8, memoryMiB: opts.memoryMiB ?? 8192, cpuAllocated: 0, memoryAllocatedMiB: 0, tags: '[]',
      dedicatedAccountId: null, tokenHash: 'x', previousTokenHash: null, lastHeartbeatAt: now(), connectedAt: now(), createdAt: now(), version: 1,
      vlanCapable: opts.vlanCapable ?? null, generation: 1, capabilities: null, protocol: 2,
    };
    // Migration tests seed databases as they were before 030: leave its (nullable) column out of the insert.
    const { previousTokenHash: _previous, ...row } = h;
    await repos.hosts.insert(row as HostRow);
    const poolId = newId('pool');
    await repos.pools.insert({ id: poolId, zoneId, clusterId, hostId: h.id, name: `local-${i}`, kind: 'local', path: `/var/lib/kumo/pools/${i}`, capacityGiB: 1000, allocatedGiB: 0, usedGiB: 0, overcommit: 1, createdAt: now() });
    hosts.push(h); poolIds.push(poolId);
  }
  return { zoneId, podId, clusterId, hosts, poolIds };
}

export async function seedAccount(repos: Repos, name: string, role: 'admin' | 'user' = 'user') {
  const id = newId('account');
  await repos.accounts.insert({ id, name, role, createdAt: now() });
  return id;
}

/** An instance (with its own image, version and offering) in a zone, not yet placed. */
export async function seedInstance(repos: Repos, accountId: string, zoneId: string): Promise<string> {
  const imageId = newId('image'); const verId = newId('imageVersion'); const offId = newId('offering');
  await repos.images.insert({ id: imageId, accountId, name: `img-${imageId.slice(-8)}`, description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now() });
  await repos.imageVersions.insert({ id: verId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
  await repos.offerings.insert({ id: offId, name: `o-${offId.slice(-8)}`, description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now() });
  const id = newId('instance');
  await repos.instances.insert({
    id, accountId, name: `vm-${id.slice(-8)}`, zoneId, podId: null, clusterId: null, hostId: null, poolId: null,
    imageId, imageVersionId: verId, offeringId: offId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0,
    desired: 'running', phase: 'pending', task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]',
    version: 1, createdAt: now(), updatedAt: now(), deletedAt: null,
  });
  return id;
}
