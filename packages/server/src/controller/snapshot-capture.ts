import { existsSync } from 'node:fs';
import type { ImageVersionRow, OperationRow, Repos, SnapshotRow } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { sourceVersionOfVolume } from '../services/image-capture-service.ts';
import { TerminalError } from './errors.ts';
import type { OperationProgress } from './operation-progress.ts';
import { hostForPool, poolOf, poolRefOf } from './volume-host.ts';

const copyStep = 'copying the snapshot in the image store';
const exportStep = 'exporting the snapshot from its pool to the image store';

/** What an export of a capture's source reported, and the version its volume was made from. */
export interface CaptureExport {
  result: { sizeBytes: number; sha256: string | null; format: 'qcow2' | 'raw' | 'rootfs-tar' };
  source: ImageVersionRow | undefined;
  sourceName: string;
}

export interface SnapshotCaptureDeps {
  repos: Repos;
  gateway: AgentGateway;
  progress: OperationProgress;
  startStep: (op: OperationRow, step: string) => Promise<void>;
  /** Copy a file the server holds into the version being captured (verified by SHA-256, atomic). */
  copyIntoCapture: (versionId: string, sourcePath: string, sha256: string) => Promise<{ sizeBytes: number; sha256: string }>;
  uploadPath: (v: ImageVersionRow) => string;
  timeoutMs: number;
}

/** The snapshot a capture reads, while it still exists and is ready (else the capture fails). */
async function liveSnapshot(repos: Repos, id: string): Promise<SnapshotRow> {
  const s = await repos.snapshots.getAny(id);
  if (!s || s.desired === 'deleted' || s.phase !== 'ready') throw new TerminalError('operation_failed', `snapshot ${id} is ${s ? (s.desired === 'deleted' ? 'being deleted' : s.phase) : 'gone'}; nothing to capture`);
  return s;
}

/**
 * Bring a snapshot's contents into the file of the version being captured: an image-store snapshot
 * is copied by the server itself (no host); a snapshot kept in an RBD pool is exported by a host
 * that reaches the pool (volume.snapshotExport, a job, uploading with its host token).
 */
export async function exportSnapshotForCapture(d: SnapshotCaptureDeps, v: ImageVersionRow & { sourceSnapshotId: string }, active: OperationRow[]): Promise<CaptureExport> {
  const snap = await liveSnapshot(d.repos, v.sourceSnapshotId);
  const vol = await d.repos.volumes.getAny(snap.volumeId);
  const source = await sourceVersionOfVolume(d.repos, vol);
  const sourceName = `snapshot ${snap.name}`;
  if (snap.location === 'image-store') {
    if (!snap.storagePath || !snap.sha256 || !existsSync(snap.storagePath)) throw new TerminalError('operation_failed', `snapshot ${snap.name} has no stored file in the image store`);
    for (const op of active) await d.startStep(op, copyStep);
    let stored;
    try {
      stored = await d.copyIntoCapture(v.id, snap.storagePath, snap.sha256);
    } catch (e) {
      throw new TerminalError('operation_failed', `copying snapshot ${snap.name}: ${(e as Error).message}`);
    }
    await liveSnapshot(d.repos, snap.id);
    if (stored.sizeBytes !== snap.sizeBytes && snap.sizeBytes > 0) throw new TerminalError('operation_failed', `snapshot ${snap.name} has ${snap.sizeBytes} bytes but ${stored.sizeBytes} were copied`);
    return { result: { sizeBytes: stored.sizeBytes, sha256: stored.sha256, format: snap.format === 'raw' ? 'raw' : 'qcow2' }, source, sourceName };
  }
  const pool = await poolOf(d.repos, snap.poolId);
  const hostId = await hostForPool(d.repos, d.gateway, pool, null);
  for (const op of active) await d.startStep(op, exportStep);
  try {
    const result = await d.gateway.call(hostId, 'volume.snapshotExport', {
      volumeId: snap.volumeId, snapshotId: snap.id, pool: poolRefOf(pool), uploadPath: d.uploadPath(v),
    }, d.timeoutMs, {
      jobKey: `${v.id}:capture`, // asked again after a restart, the host re-attaches to the same job
      onProgress: (p) => { for (const op of active) d.progress.report(op, exportStep, p); },
    });
    await liveSnapshot(d.repos, snap.id); // deleted during the export (a delete that raced the capture): fail, not a half-sourced image
    return { result, source, sourceName };
  } finally { d.progress.forget(active); }
}
