import type { DriverCallContext } from '@kumo/core';
import type { AgentMethods, AgentResults } from '@kumo/api';

/**
 * Volumes on this host's pools, for the agent's `volume.*` methods. The real implementation
 * (QemuVolumeManager) works on directory and RBD pools; FakeVolumeManager records, for server
 * tests at scale, and injects failures. Long work takes the job's context (progress, cancel);
 * every method is idempotent (a call repeated after the agent was killed ends in a clean state).
 */
export interface VolumeManager {
  create(req: AgentMethods['volume.create'], ctx?: DriverCallContext): Promise<AgentResults['volume.create']>;
  delete(req: AgentMethods['volume.delete']): Promise<void>;
  resize(req: AgentMethods['volume.resize']): Promise<void>;
  snapshot(req: AgentMethods['volume.snapshot'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshot']>;
  snapshotDelete(req: AgentMethods['volume.snapshotDelete']): Promise<void>;
  snapshotExport(req: AgentMethods['volume.snapshotExport'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshotExport']>;
  /** KVM → LXC: a VM's root volume as a container's root-fs tarball, uploaded to the image store. */
  rootfsTar(req: AgentMethods['volume.rootfsTar'], ctx?: DriverCallContext): Promise<AgentResults['volume.rootfsTar']>;
  rollback(req: AgentMethods['volume.rollback'], ctx?: DriverCallContext): Promise<void>;
  /** Remove cached bases of the pool that no volume uses and whose image version is gone. */
  collectGarbage(req: AgentMethods['pool.collectGarbage']): Promise<AgentResults['pool.collectGarbage']>;
  /**
   * Storage fencing of another host's clients (HA): on an RBD pool, blocklist (`add`) or release
   * (`remove`) every client at the address. Absent: the host does it with the ceph CLI (rbd-fence.ts).
   */
  fence?(req: AgentMethods['storage.fence']): Promise<AgentResults['storage.fence']>;
  /** Pools this host offers, reported in hello and heartbeats. */
  pools(): Promise<Array<{ path: string; capacityGiB: number; usedGiB: number }>>;
}
