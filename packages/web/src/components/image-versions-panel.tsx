import { useEffect, useState } from 'react';
import type { ImageVersion } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { hasApiRoute } from '../api/api-capabilities.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatBytes, formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { StatusBadge } from './status-badge.tsx';
import { ImageVersionForm } from './image-version-form.tsx';
import { ImageUploadForm } from './image-upload-form.tsx';
import { LoadingNote } from './loading-note.tsx';
import { ErrorNote } from './error-note.tsx';

export const uploadRoute = '/api/v1/images/{id}/versions/{version}/file';

/** The versions of one image; upload a new one (when the server has the upload route) or register one by metadata. */
export function ImageVersionsPanel({ imageId }: { imageId: string }) {
  const { t, lang } = useI18n();
  const [canUpload, setCanUpload] = useState(false);
  useEffect(() => { void hasApiRoute('put', uploadRoute).then(setCanUpload); }, []);
  const versions = useLiveResource(
    () => client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${encodeURIComponent(imageId)}/versions`), [imageId], { kinds: [] },
  );
  return (
    <div className="versions" data-testid="image-versions">
      <ErrorNote message={versions.error?.message} />
      {!versions.data ? <LoadingNote /> : versions.data.items.length === 0 ? <p className="muted">{t('img.noVersions')}</p> : (
        <table className="table inner">
          <thead>
            <tr>
              <th scope="col">{t('img.version')}</th><th scope="col">{t('img.format')}</th><th scope="col">{t('img.size')}</th>
              <th scope="col">{t('common.state')}</th><th scope="col">{t('img.sha256')}</th><th scope="col">{t('common.createdAt')}</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v) => (
              <tr key={v.id}>
                <td>{v.version}</td><td>{v.format}</td><td>{formatBytes(v.sizeBytes)}</td>
                <td><StatusBadge value={v.state} label={v.state} /></td>
                <td className="mono" title={v.sha256}>{v.sha256.slice(0, 12)}…</td>
                <td className="nowrap">{formatDateTime(v.createdAt, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canUpload && <ImageUploadForm imageId={imageId} onDone={versions.reload} />}
      <ImageVersionForm imageId={imageId} onDone={versions.reload} />
    </div>
  );
}
