import { createHash } from 'node:crypto';
import { DriverError, type DriverCallContext } from '@kumo/core';
import type { AgentMethods, AgentResults, ImageRef } from '@kumo/api';

/** The files a fake guest wrote to a fake disk: what a snapshot carries and a volume made from it gets back. */
export type FakeFiles = Record<string, string>;

/** How a fake disk is stored as an image file: JSON, so that a captured image carries its files. */
interface FakeDiskImage { kumoFakeDisk: 1; files: FakeFiles }

function parseFakeDisk(bytes: Buffer): FakeFiles {
  try {
    const d = JSON.parse(bytes.toString('utf8')) as Partial<FakeDiskImage>;
    return d.kumoFakeDisk === 1 && d.files && typeof d.files === 'object' ? { ...d.files } : {};
  } catch { return {}; }
}

/**
 * The fake host's side of the image store: a volume made from an image downloads it (with the host
 * token) and starts with the files it holds; a snapshot to the image store uploads the volume's
 * files (PUT uploadPath, x-kumo-sha256). Real HTTP to the real server, so that captures and
 * launches from captured images run end to end on fake hosts.
 */
export class FakeImageStoreLink {
  constructor(private readonly serverUrl: string, private readonly token: () => string | undefined) {}

  private headers(): Record<string, string> {
    const t = this.token();
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  /** The files of an image; {} for a version the store holds no file of (registered by metadata only). */
  async filesOf(image: ImageRef): Promise<FakeFiles> {
    if (image.sizeBytes === 0) return {}; // an empty image holds no files (and costs no request)
    const res = await fetch(new URL(image.url, this.serverUrl), { headers: this.headers() });
    if (res.status === 404) return {};
    if (!res.ok) throw new DriverError(`image ${image.imageVersionId} download failed: HTTP ${res.status}`, 'host_failure');
    const bytes = Buffer.from(await res.arrayBuffer());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== image.sha256) throw new DriverError(`image ${image.imageVersionId} has sha256 ${got}, not ${image.sha256}`, 'host_failure');
    return parseFakeDisk(bytes);
  }

  /** Upload a volume's files as a snapshot into the image store. */
  async upload(req: AgentMethods['volume.snapshot'], files: FakeFiles, ctx: DriverCallContext): Promise<AgentResults['volume.snapshot']> {
    if (req.target.kind !== 'image-store') throw new DriverError('fake pools keep no snapshots of their own', 'unsupported');
    return { ...await this.put(req.target.uploadPath, req.snapshotId, files, ctx), location: 'image-store' };
  }

  /** PUT files as a fake disk to an agent upload path; what the image store kept, checked. */
  async put(uploadPath: string, snapshotId: string, files: FakeFiles, ctx: DriverCallContext): Promise<{ sizeBytes: number; sha256: string; format: 'qcow2' }> {
    const body = Buffer.from(JSON.stringify({ kumoFakeDisk: 1, files } satisfies FakeDiskImage));
    const sha256 = createHash('sha256').update(body).digest('hex');
    ctx.onProgress?.({ phase: 'uploading', percent: 0, bytesDone: 0, bytesTotal: body.length });
    const res = await fetch(new URL(uploadPath, this.serverUrl), {
      method: 'PUT', body, headers: { ...this.headers(), 'content-type': 'application/octet-stream', 'x-kumo-sha256': sha256 },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (!res.ok) throw new DriverError(`upload of snapshot ${snapshotId} refused: HTTP ${res.status} ${await res.text()}`, 'host_failure');
    const stored = await res.json() as { sizeBytes: number; sha256: string };
    if (stored.sha256 !== sha256 || stored.sizeBytes !== body.length) throw new DriverError(`the image store kept ${stored.sizeBytes} bytes (${stored.sha256}), not what was sent`, 'host_failure');
    ctx.onProgress?.({ phase: 'uploading', percent: 100, bytesDone: body.length, bytesTotal: body.length });
    return { sizeBytes: body.length, sha256, format: 'qcow2' };
  }
}
