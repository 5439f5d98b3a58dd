import type { ImageRef } from '@kumo/api';
import type { ImageVersionRow } from '@kumo/db';

/** How an agent fetches a version from the image store (GET with its host token), and checks it. */
export function imageRefOf(v: Pick<ImageVersionRow, 'id' | 'imageId' | 'sha256' | 'format' | 'sizeBytes'>): ImageRef {
  return { imageVersionId: v.id, url: `/api/v1/images/${v.imageId}/versions/${v.id}/file`, sha256: v.sha256, format: v.format, sizeBytes: v.sizeBytes };
}
