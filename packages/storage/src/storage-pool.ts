/**
 * A primary storage pool as one host sees it: where volumes (root and data disks) live, and the
 * operations on them. Implemented by DirectoryPool (a directory, local or shared) and RbdPool
 * (@kumo/storage-rbd, a Ceph RBD pool). The contracts, for every implementation:
 *
 * - createVolume: on success the volume exists complete with exactly sizeGiB; on failure or
 *   cancel nothing new is left. Creating an existing volume of the same size returns it; another
 *   size is `volume-conflict`. Root disks from an image are constant-time in the image's size
 *   where the backend can (linked clone, layered RBD clone).
 * - deleteVolume: afterwards the volume is gone for every caller; deleting a missing volume
 *   succeeds. A pool that keeps snapshots hides a volume that still has some and removes it with
 *   its last snapshot ("snapshots survive the deletion of their volume").
 * - growVolume: only while no guest has the volume open; shrinking is `shrink-refused`, the same
 *   size is a no-op.
 * - createSnapshot/deleteSnapshot: only where `keepsSnapshots`; idempotent by snapshot id (a
 *   repeated create after a crash finds the snapshot made, or makes it).
 * - exportVolume/exportSnapshot: write a point-in-time copy to `target` (a qcow2 without backing
 *   file and without zero clusters, or raw), through `<target>.partial` renamed at the end
 *   (fsynced first unless the target says it need not be durable); on failure or cancel no file
 *   is left. Progress in bytes.
 * - rollback: the volume's contents become the source's and its size sizeGiB; on failure the
 *   volume keeps its old contents (nothing half-done).
 */
import type { RbdDiskSource } from '@kumo/core';
import type { BaseImage, VolumeFormat } from './source-image-check.ts';

/** How a host's hypervisor opens a volume: the fields of a DiskSpec. */
export interface VolumeAccess {
  /** A file path, or a label (`rbd:<pool>/<image>`) for RBD images. */
  path: string;
  format: VolumeFormat;
  rbd?: RbdDiskSource;
}

export type NewVolumeSource =
  /** An empty disk; `full` asks a directory pool for sparse raw instead of qcow2 (RBD: always raw). */
  | { kind: 'blank'; provisioning?: 'linked' | 'full' }
  | { kind: 'image'; base: BaseImage; provisioning: 'linked' | 'full' }
  /** A snapshot kept in this pool (pools where keepsSnapshots). */
  | { kind: 'pool-snapshot'; volumeId: string; snapshotId: string };

export interface CreateVolumeRequest {
  volumeId: string;
  sizeGiB: number;
  source: NewVolumeSource;
}

/** A file holding a disk image (an exported snapshot, an image from the image store). */
export interface DiskFile { path: string; format: VolumeFormat }

/** Where an export goes. */
export interface ExportTarget extends DiskFile {
  /**
   * fsync the file before it is renamed into place (default true). False for a temp file that is
   * uploaded and removed at once: flushing 1 GiB costs ~3 s here, as much as the copy itself.
   */
  durable?: boolean;
}

export type RollbackSource =
  | { kind: 'file'; file: DiskFile }
  | { kind: 'pool-snapshot'; snapshotId: string };

/** Progress and cancel for long pool work (an AbortSignal that fires leaves nothing behind). */
export interface PoolWorkContext {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: { bytesDone: number; bytesTotal: number }) => void) | undefined;
}

export interface PoolUsage {
  /** Size of the storage holding the pool (0 when the backend cannot tell). */
  capacityGiB: number;
  /** Bytes really allocated by the pool's volumes and bases. */
  usedGiB: number;
  /** Free space. */
  freeGiB: number;
  /** Sum of the volumes' virtual sizes (what guests could fill). */
  provisionedGiB: number;
  volumeCount: number;
}

export interface VolumeInfo { sizeBytes: number; format: VolumeFormat }

export interface StoragePool {
  readonly backend: 'directory' | 'rbd';
  /** Snapshots can stay in the pool (RBD snapshots); otherwise they go to the image store as files. */
  readonly keepsSnapshots: boolean;
  /** How a hypervisor on this host opens the volume. */
  access(volumeId: string): Promise<VolumeAccess>;
  /** The volume's size and format, or null when it does not exist. */
  volumeInfo(volumeId: string): Promise<VolumeInfo | null>;
  createVolume(req: CreateVolumeRequest, ctx?: PoolWorkContext): Promise<VolumeAccess>;
  deleteVolume(volumeId: string): Promise<void>;
  growVolume(volumeId: string, sizeGiB: number): Promise<void>;
  createSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  deleteSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  exportVolume(volumeId: string, target: ExportTarget, ctx?: PoolWorkContext): Promise<{ bytes: number }>;
  exportSnapshot(volumeId: string, snapshotId: string, target: ExportTarget, ctx?: PoolWorkContext): Promise<{ bytes: number }>;
  rollback(volumeId: string, sizeGiB: number, source: RollbackSource, ctx?: PoolWorkContext): Promise<void>;
  usage(): Promise<PoolUsage>;
}
