import type { AgentMethods } from '@kumo/api';

/** Disks on this host's pools. The qemu implementation makes qcow2 overlays; the fake one records. */
export interface VolumeManager {
  create(req: AgentMethods['volume.create']): Promise<{ path: string }>;
  delete(req: AgentMethods['volume.delete']): Promise<void>;
  /** Pools this host offers, reported in hello and heartbeats. */
  pools(): Promise<Array<{ path: string; capacityGiB: number; usedGiB: number }>>;
}

export class FakeVolumeManager implements VolumeManager {
  private readonly volumes = new Map<string, number>();
  private readonly createFailures: string[] = [];
  private readonly createHolds: Array<Promise<void>> = [];
  constructor(private readonly poolPath: string, private readonly capacityGiB = 10_000) {}
  async create(req: AgentMethods['volume.create']): Promise<{ path: string }> {
    const hold = this.createHolds.shift();
    if (hold) await hold;
    const failure = this.createFailures.shift();
    if (failure !== undefined) throw Object.assign(new Error(failure), { code: 'volume_failed' }); // not retryable: only timeouts and host failures are
    this.volumes.set(req.volumeId, req.sizeGiB);
    return { path: `${req.poolPath}/volumes/${req.volumeId}` };
  }
  async delete(req: AgentMethods['volume.delete']): Promise<void> { this.volumes.delete(req.volumeId); }
  async pools() {
    let used = 0;
    for (const s of this.volumes.values()) used += s;
    return [{ path: this.poolPath, capacityGiB: this.capacityGiB, usedGiB: used }];
  }
  count(): number { return this.volumes.size; }
  has(volumeId: string): boolean { return this.volumes.has(volumeId); }

  // ---- failure injection ----
  /** The next create fails with this message (as a full pool or a bad image would). */
  failNextCreate(message: string): void { this.createFailures.push(message); }
  /** The next create waits until the returned function is called. */
  holdNextCreate(): () => void {
    let release: () => void = () => undefined;
    this.createHolds.push(new Promise<void>((r) => { release = r; }));
    return release;
  }
}
