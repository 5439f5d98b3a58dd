/**
 * A VolumeManager that only records (for server tests with thousands of simulated hosts), with
 * the same rules as the real one: exact sizes, shrink refused, snapshots that survive the deletion
 * of their volume on pools that keep snapshots (RBD), idempotent calls, cached bases collected when
 * unused. Fake guests' files travel with the disks: a snapshot to the image store uploads them and a
 * volume made from an image downloads them (when linked to the server's image store), so captures
 * run end to end. Failure injection: the next call of a method fails, or waits until released.
 */
import { createHash } from 'node:crypto';
import type { DriverCallContext } from '@kumo/core';
import type { AgentMethods, AgentResults, PoolRef } from '@kumo/api';
import type { VolumeManager } from './volume-manager.ts';
import type { FakeFiles, FakeImageStoreLink } from './fake-disk-contents.ts';

type FakeMethod = 'create' | 'delete' | 'resize' | 'snapshot' | 'snapshotDelete' | 'snapshotExport' | 'rootfsTar' | 'rollback' | 'fence';

const GiB = 1024 ** 3;

function fail(message: string, code: string): never {
  throw Object.assign(new Error(message), { code });
}

function poolLabel(req: { poolPath?: string | undefined; pool?: PoolRef | undefined }, fallback: string): string {
  if (req.pool?.kind === 'rbd') return `rbd:${req.pool.pool}`;
  return req.pool?.path ?? req.poolPath ?? fallback;
}

/** The addresses fake hosts have blocklisted, as one Ceph cluster would hold them (every fake host shares it). */
export const fakeBlocklist = new Set<string>();

export class FakeVolumeManager implements VolumeManager {
  private readonly volumes = new Map<string, number>();
  /** Snapshots kept in a pool, by `<volumeId>/<snapshotId>`: their size in GiB. */
  private readonly poolSnapshots = new Map<string, number>();
  /** What fake guests wrote to each volume, and to each pool snapshot (by `<volumeId>/<snapshotId>`). */
  private readonly files = new Map<string, FakeFiles>();
  private readonly snapshotFiles = new Map<string, FakeFiles>();
  /** Cached bases (image version ids) and the volumes made from each, as a directory pool keeps them. */
  private readonly bases = new Map<string, Set<string>>();
  private imageStore: FakeImageStoreLink | null = null;
  /** Every garbage collection the server asked for. */
  readonly gcRequests: Array<AgentMethods['pool.collectGarbage']> = [];
  /** Every KVM → LXC conversion asked of this host (the NICs it was told to rename, checked by tests). */
  readonly rootfsTarRequests: Array<AgentMethods['volume.rootfsTar']> = [];
  private readonly failures = new Map<FakeMethod, Array<{ message: string; code: string }>>();
  private readonly holds = new Map<FakeMethod, Array<Promise<void>>>();
  constructor(private readonly poolPath: string, private readonly capacityGiB = 10_000) {}

  private async inject(method: FakeMethod): Promise<void> {
    const hold = this.holds.get(method)?.shift();
    if (hold) await hold;
    const failure = this.failures.get(method)?.shift();
    if (failure !== undefined) fail(failure.message, failure.code);
  }

  async create(req: AgentMethods['volume.create']): Promise<AgentResults['volume.create']> {
    await this.inject('create');
    const existing = this.volumes.get(req.volumeId);
    if (existing !== undefined && existing !== req.sizeGiB) fail(`volume ${req.volumeId} exists with ${existing} GiB`, 'volume-conflict');
    if (req.source?.kind === 'pool-snapshot') {
      const snap = this.poolSnapshots.get(`${req.source.volumeId}/${req.source.snapshotId}`);
      if (snap === undefined) fail(`snapshot ${req.source.snapshotId} of volume ${req.source.volumeId} does not exist`, 'not-found');
      if (snap > req.sizeGiB) fail(`a ${req.sizeGiB} GiB disk is smaller than snapshot ${req.source.snapshotId}`, 'bad-request');
    }
    if (existing === undefined) {
      const fromImage = req.image ?? (req.source?.kind === 'image' ? req.source.image : null);
      this.files.set(req.volumeId, req.source?.kind === 'pool-snapshot'
        ? { ...this.snapshotFiles.get(`${req.source.volumeId}/${req.source.snapshotId}`) }
        : fromImage && fromImage.format !== 'iso' && this.imageStore ? await this.imageStore.filesOf(fromImage) : {});
      if (fromImage && fromImage.format !== 'iso') {
        const users = this.bases.get(fromImage.imageVersionId) ?? new Set<string>();
        users.add(req.volumeId);
        this.bases.set(fromImage.imageVersionId, users);
      }
    }
    this.volumes.set(req.volumeId, req.sizeGiB);
    const label = poolLabel(req, this.poolPath);
    return { path: label.startsWith('rbd:') ? `${label}/${req.volumeId}` : `${label}/volumes/${req.volumeId}` };
  }

  async delete(req: AgentMethods['volume.delete']): Promise<void> {
    await this.inject('delete');
    this.volumes.delete(req.volumeId);
    this.files.delete(req.volumeId);
    for (const users of this.bases.values()) users.delete(req.volumeId);
  }

  async resize(req: AgentMethods['volume.resize']): Promise<void> {
    await this.inject('resize');
    const size = this.volumes.get(req.volumeId);
    if (size === undefined) fail(`volume ${req.volumeId} does not exist`, 'not-found');
    if (req.sizeGiB < size) fail(`volume ${req.volumeId} has ${size} GiB; shrinking to ${req.sizeGiB} is refused`, 'shrink-refused');
    this.volumes.set(req.volumeId, req.sizeGiB);
  }

  async snapshot(req: AgentMethods['volume.snapshot'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshot']> {
    await this.inject('snapshot');
    const size = this.volumes.get(req.volumeId);
    if (size === undefined) fail(`volume ${req.volumeId} does not exist`, 'not-found');
    ctx?.onProgress?.({ phase: 'copying disk', bytesDone: size * GiB, bytesTotal: size * GiB, percent: 100 });
    if (req.target.kind === 'pool') {
      if (req.pool.kind !== 'rbd') fail('a directory pool keeps no snapshots (they go to the image store)', 'bad-request');
      this.poolSnapshots.set(`${req.volumeId}/${req.snapshotId}`, size);
      this.snapshotFiles.set(`${req.volumeId}/${req.snapshotId}`, { ...this.files.get(req.volumeId) });
      return { sizeBytes: size * GiB, sha256: null, format: 'raw', location: 'pool' };
    }
    if (this.imageStore) return this.imageStore.upload(req, this.files.get(req.volumeId) ?? {}, ctx ?? {});
    return { sizeBytes: 1024 * 1024, sha256: FakeVolumeManager.fakeSha(req.snapshotId), format: 'qcow2', location: 'image-store' };
  }

  async snapshotDelete(req: AgentMethods['volume.snapshotDelete']): Promise<void> {
    await this.inject('snapshotDelete');
    this.poolSnapshots.delete(`${req.volumeId}/${req.snapshotId}`);
    this.snapshotFiles.delete(`${req.volumeId}/${req.snapshotId}`);
  }

  /** Linked to an image store: uploads the pool snapshot's files to uploadPath (like `snapshot` does). */
  async snapshotExport(req: AgentMethods['volume.snapshotExport'], ctx?: DriverCallContext): Promise<AgentResults['volume.snapshotExport']> {
    await this.inject('snapshotExport');
    const key = `${req.volumeId}/${req.snapshotId}`;
    if (!this.poolSnapshots.has(key)) fail(`snapshot ${req.snapshotId} of volume ${req.volumeId} does not exist`, 'not-found');
    if (this.imageStore) return this.imageStore.put(req.uploadPath, req.snapshotId, this.snapshotFiles.get(key) ?? {}, ctx ?? {});
    return { sizeBytes: 1024 * 1024, sha256: FakeVolumeManager.fakeSha(req.snapshotId), format: 'qcow2' };
  }

  /** Linked to an image store: uploads the volume's files (the fake's "root file system") to uploadPath. */
  async rootfsTar(req: AgentMethods['volume.rootfsTar'], ctx?: DriverCallContext): Promise<AgentResults['volume.rootfsTar']> {
    await this.inject('rootfsTar');
    if (!this.volumes.has(req.volumeId)) fail(`volume ${req.volumeId} does not exist`, 'not-found');
    this.rootfsTarRequests.push(req);
    if (this.imageStore) {
      const up = await this.imageStore.put(req.uploadPath, req.volumeId, this.files.get(req.volumeId) ?? {}, ctx ?? {});
      return { sizeBytes: up.sizeBytes, sha256: up.sha256, format: 'rootfs-tar' };
    }
    return { sizeBytes: 1024 * 1024, sha256: FakeVolumeManager.fakeSha(req.volumeId), format: 'rootfs-tar' };
  }

  async rollback(req: AgentMethods['volume.rollback']): Promise<void> {
    await this.inject('rollback');
    if (!this.volumes.has(req.volumeId)) fail(`volume ${req.volumeId} does not exist`, 'not-found');
    if (req.source.kind === 'pool-snapshot' && !this.poolSnapshots.has(`${req.source.volumeId}/${req.source.snapshotId}`)) {
      fail(`snapshot ${req.source.snapshotId} does not exist`, 'not-found');
    }
    this.volumes.set(req.volumeId, req.sizeGiB);
    this.files.set(req.volumeId, req.source.kind === 'pool-snapshot'
      ? { ...this.snapshotFiles.get(`${req.source.volumeId}/${req.source.snapshotId}`) }
      : this.imageStore ? await this.imageStore.filesOf(req.source.image) : {});
  }

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

  /** Every fencing request this host carried out (for tests). */
  readonly fenceRequests: Array<AgentMethods['storage.fence']> = [];

  /** Like a Ceph blocklist shared by every fake host of the process (fakeBlocklist). */
  async fence(req: AgentMethods['storage.fence']): Promise<AgentResults['storage.fence']> {
    await this.inject('fence');
    this.fenceRequests.push(req);
    if (req.action === 'add') fakeBlocklist.add(req.clientAddress); else fakeBlocklist.delete(req.clientAddress);
    return { detail: `fake blocklist ${req.action} ${req.clientAddress}` };
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
  /** Image versions whose base this host has cached. */
  cachedBases(): string[] { return [...this.bases.keys()].sort(); }

  async pools() {
    let used = 0;
    for (const s of this.volumes.values()) used += s;
    return [{ path: this.poolPath, capacityGiB: this.capacityGiB, usedGiB: used }];
  }

  count(): number { return this.volumes.size; }
  has(volumeId: string): boolean { return this.volumes.has(volumeId); }
  sizeOf(volumeId: string): number | undefined { return this.volumes.get(volumeId); }
  hasPoolSnapshot(volumeId: string, snapshotId: string): boolean { return this.poolSnapshots.has(`${volumeId}/${snapshotId}`); }

  // ---- failure injection ----
  /**
   * The next call of `method` fails with this message (as a full pool or a bad image would). The
   * default code of a failed create is `volume_failed`, which the server does not retry; of the
   * other methods `host_failure`, which it retries. Give `volume_failed` for a failure for good.
   */
  failNext(method: FakeMethod, message: string, code = method === 'create' ? 'volume_failed' : 'host_failure'): void {
    const list = this.failures.get(method) ?? [];
    list.push({ message, code });
    this.failures.set(method, list);
  }
  /** The next call of `method` waits until the returned function is called. */
  holdNext(method: FakeMethod): () => void {
    let release: () => void = () => undefined;
    const list = this.holds.get(method) ?? [];
    list.push(new Promise<void>((r) => { release = r; }));
    this.holds.set(method, list);
    return release;
  }
  /** The next create fails with this message. */
  failNextCreate(message: string): void { this.failNext('create', message); }
  /** The next create waits until the returned function is called. */
  holdNextCreate(): () => void { return this.holdNext('create'); }
  /** The next snapshot fails for good with this message (as a disk read error would). */
  failNextSnapshot(message: string): void { this.failNext('snapshot', message, 'volume_failed'); }
  /** The next snapshot waits until the returned function is called. */
  holdNextSnapshot(): () => void { return this.holdNext('snapshot'); }

  private static fakeSha(id: string): string { return createHash('sha256').update(`fake snapshot ${id}`).digest('hex'); }
}
