import type { DriverCallContext } from '@kumo/core';
import type { AgentMethods, AgentResults } from '@kumo/api';
import type { FakeFiles, FakeImageStoreLink } from './fake-disk-contents.ts';

/** Disks on this host's pools. The qemu implementation makes qcow2 overlays; the fake one records. */
export interface VolumeManager {
  create(req: AgentMethods['volume.create']): Promise<{ path: string }>;
  delete(req: AgentMethods['volume.delete']): Promise<void>;
  /** A crash-consistent snapshot of a volume (volume.snapshot); absent where not built yet. */
  snapshot?(req: AgentMethods['volume.snapshot'], ctx: DriverCallContext): Promise<AgentResults['volume.snapshot']>;
  /** Remove cached bases of the pool that no volume uses and whose image version is gone. */
  collectGarbage(req: AgentMethods['pool.collectGarbage']): Promise<AgentResults['pool.collectGarbage']>;
  /** Pools this host offers, reported in hello and heartbeats. */
  pools(): Promise<Array<{ path: string; capacityGiB: number; usedGiB: number }>>;
}

export class FakeVolumeManager implements VolumeManager {
  private readonly volumes = new Map<string, number>();
  /** Cached bases (image version ids) and the volumes made from each, as a directory pool keeps them. */
  private readonly bases = new Map<string, Set<string>>();
  /** What fake guests wrote to each volume (carried by snapshots into images, and back into volumes). */
  private readonly files = new Map<string, FakeFiles>();
  private imageStore: FakeImageStoreLink | null = null;
  private readonly createFailures: string[] = [];
  private readonly createHolds: Array<Promise<void>> = [];
  private readonly snapshotFailures: string[] = [];
  private readonly snapshotHolds: Array<Promise<void>> = [];
  constructor(private readonly poolPath: string, private readonly capacityGiB = 10_000) {}
  async create(req: AgentMethods['volume.create']): Promise<{ path: string }> {
    const hold = this.createHolds.shift();
    if (hold) await hold;
    const failure = this.createFailures.shift();
    if (failure !== undefined) throw Object.assign(new Error(failure), { code: 'volume_failed' }); // not retryable: only timeouts and host failures are
    if (!this.volumes.has(req.volumeId)) {
      this.files.set(req.volumeId, req.image && req.image.format !== 'iso' && this.imageStore ? await this.imageStore.filesOf(req.image) : {});
    }
    this.volumes.set(req.volumeId, req.sizeGiB);
    if (req.image && req.image.format !== 'iso') {
      const users = this.bases.get(req.image.imageVersionId) ?? new Set<string>();
      users.add(req.volumeId);
      this.bases.set(req.image.imageVersionId, users);
    }
    return { path: `${req.poolPath}/volumes/${req.volumeId}` };
  }
  async delete(req: AgentMethods['volume.delete']): Promise<void> {
    this.volumes.delete(req.volumeId);
    this.files.delete(req.volumeId);
    for (const users of this.bases.values()) users.delete(req.volumeId);
  }
  async snapshot(req: AgentMethods['volume.snapshot'], ctx: DriverCallContext): Promise<AgentResults['volume.snapshot']> {
    const hold = this.snapshotHolds.shift();
    if (hold) await hold;
    const failure = this.snapshotFailures.shift();
    if (failure !== undefined) throw Object.assign(new Error(failure), { code: 'volume_failed' });
    const files = this.files.get(req.volumeId);
    if (!files) throw Object.assign(new Error(`volume ${req.volumeId} does not exist on this host`), { code: 'volume_failed' });
    if (!this.imageStore) throw Object.assign(new Error('this fake host has no link to the image store'), { code: 'volume_failed' });
    return this.imageStore.upload(req, files, ctx);
  }
  /** Downloads and uploads of images go to the server (simulateHosts links every fake host). */
  linkImageStore(link: FakeImageStoreLink): void { this.imageStore = link; }
  /** A fake guest writes a file to one of its disks. */
  writeFile(volumeId: string, name: string, content: string): void {
    const files = this.files.get(volumeId);
    if (!files) throw new Error(`volume ${volumeId} does not exist on this host`);
    files[name] = content;
  }
  readFile(volumeId: string, name: string): string | undefined { return this.files.get(volumeId)?.[name]; }
  /** Like DirectoryPool.garbageCollectBases, without the grace time: a base goes when unused and not kept. */
  async collectGarbage(req: AgentMethods['pool.collectGarbage']): Promise<AgentResults['pool.collectGarbage']> {
    this.gcRequests.push(req);
    const keep = new Set(req.keepImageVersionIds);
    const removed: string[] = [];
    const kept: string[] = [];
    for (const [id, users] of [...this.bases.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (keep.has(id) || users.size > 0) { kept.push(id); continue; }
      this.bases.delete(id);
      removed.push(id);
    }
    return { removed, kept };
  }
  /** Image versions whose base this host has cached. */
  cachedBases(): string[] { return [...this.bases.keys()].sort(); }
  /** Every garbage collection the server asked for. */
  readonly gcRequests: Array<AgentMethods['pool.collectGarbage']> = [];
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
  /** The next snapshot fails with this message (as a full image store or a read error would). */
  failNextSnapshot(message: string): void { this.snapshotFailures.push(message); }
  /** The next snapshot waits until the returned function is called. */
  holdNextSnapshot(): () => void {
    let release: () => void = () => undefined;
    this.snapshotHolds.push(new Promise<void>((r) => { release = r; }));
    return release;
  }
  /** The next create waits until the returned function is called. */
  holdNextCreate(): () => void {
    let release: () => void = () => undefined;
    this.createHolds.push(new Promise<void>((r) => { release = r; }));
    return release;
  }
}
