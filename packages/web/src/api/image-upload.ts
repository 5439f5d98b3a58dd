import { ApiError, errorCodes, type ErrorCode, type ImageVersion } from '@kumo/api';
import { Sha256 } from '../lib/sha256.ts';

export interface UploadMeta { version: string; format: ImageVersion['format']; sha256: string; cmdline?: string }

/** SHA-256 of a file, read in 4 MiB slices so that large images need not fit in memory. */
export async function hashFile(file: Blob, onProgress: (fraction: number) => void): Promise<string> {
  const h = new Sha256();
  const step = 4 * 1024 * 1024;
  for (let off = 0; off < file.size; off += step) {
    h.update(new Uint8Array(await file.slice(off, off + step).arrayBuffer()));
    onProgress(Math.min(1, (off + step) / file.size));
  }
  onProgress(1);
  return h.digestHex();
}

/**
 * Upload a new image version (`PUT /api/v1/images/:id/versions/:version/file`) with progress:
 * fetch cannot report upload progress, XMLHttpRequest can. Rejects with the API's error.
 */
export function uploadImageVersion(imageId: string, meta: UploadMeta, file: Blob, onProgress: (fraction: number) => void): Promise<ImageVersion> {
  const q = new URLSearchParams({ format: meta.format, sha256: meta.sha256, ...(meta.cmdline ? { cmdline: meta.cmdline } : {}) });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/api/v1/images/${encodeURIComponent(imageId)}/versions/${encodeURIComponent(meta.version)}/file?${q.toString()}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('x-kumo-csrf', '1');
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body: unknown;
      try { body = JSON.parse(xhr.responseText); } catch { body = undefined; }
      if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(body as ImageVersion); return; }
      const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      const code = (err?.code && err.code in errorCodes ? err.code : 'internal') as ErrorCode;
      reject(new ApiError(code, err?.message ?? `HTTP ${xhr.status}`, err?.details));
    };
    xhr.onerror = () => reject(new ApiError('host_unavailable', 'network error during upload'));
    xhr.send(file);
  });
}
