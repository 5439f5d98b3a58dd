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

/**
 * The versions of one image: the default (badge), each version's parent (lineage) and where it was
 * captured from; make one the default, roll back to the default's parent, delete one. Upload a new
 * version (when the server has the upload route) or register one by metadata.
 */
export function ImageVersionsPanel({ imageId, writable = true }: { imageId: string; writable?: boolean }) {
  const { t, lang } = useI18n();
  const [canUpload, setCanUpload] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { void hasApiRoute('put', uploadRoute).then(setCanUpload); }, []);
  const base = `/api/v1/images/${encodeURIComponent(imageId)}`;
  const versions = useLiveResource(() => client.request<{ items: ImageVersion[] }>('GET', `${base}/versions`), [imageId], { kinds: ['imageVersion'] });
  const items = versions.data?.items ?? [];
  const label = new Map(items.map((v) => [v.id, v.version]));
  const current = items.find((v) => v.isDefault);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try { await fn(); versions.reload(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  return (
    <div className="versions" data-testid="image-versions">
      <ErrorNote message={versions.error ?? error} />
      {writable && current?.parentVersionId && label.has(current.parentVersionId) && (
        <div className="form-actions">
          <button type="button" disabled={busy} data-action="rollback" onClick={() => void run(() => client.request('POST', `${base}/rollback`, { body: {} }))}>
            {t('img.rollbackTo', { version: label.get(current.parentVersionId) ?? '' })}
          </button>
        </div>
      )}
      {!versions.data ? <LoadingNote /> : items.length === 0 ? <p className="muted">{t('img.noVersions')}</p> : (
        <table className="table inner">
          <thead>
            <tr>
              <th scope="col">{t('img.version')}</th><th scope="col">{t('img.parent')}</th><th scope="col">{t('img.format')}</th><th scope="col">{t('img.size')}</th>
              <th scope="col">{t('common.state')}</th><th scope="col">{t('img.capturedFrom')}</th><th scope="col">{t('img.sha256')}</th>
              <th scope="col">{t('common.createdAt')}</th>{writable && <th scope="col" aria-label={t('img.versionActions')} />}
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.id} data-testid="image-version-row" data-version={v.version} data-default={v.isDefault}>
                <td>{v.version} {v.isDefault && <span className="badge badge-ok" data-testid="default-badge">{t('img.default')}</span>}</td>
                <td>{v.parentVersionId ? (label.get(v.parentVersionId) ?? <span className="mono small">{v.parentVersionId}</span>) : '—'}</td>
                <td>{v.format}</td><td>{formatBytes(v.sizeBytes)}</td>
                <td><StatusBadge value={v.state} label={v.state} />{v.failureReason && <div className="small text-danger">{v.failureReason}</div>}</td>
                <td className="mono small">{v.sourceInstanceId ?? v.sourceSnapshotId ?? '—'}</td>
                <td className="mono" title={v.sha256}>{v.sha256 ? `${v.sha256.slice(0, 12)}…` : '—'}</td>
                <td className="nowrap">{formatDateTime(v.createdAt, lang)}</td>
                {writable && (
                  <td className="nowrap">
                    {!v.isDefault && v.state === 'ready' && (
                      <button type="button" className="compact" disabled={busy} data-action="make-default"
                        onClick={() => void run(() => client.request('POST', `${base}/default`, { body: { versionId: v.id } }))}>{t('img.makeDefault')}</button>
                    )}
                    {!(v.state === 'uploading' && v.sourceInstanceId) && (
                      <button type="button" className="compact danger" disabled={busy} data-action="delete-version"
                        onClick={() => { if (window.confirm(t('img.confirmDeleteVersion', { version: v.version }))) void run(() => client.request('DELETE', `${base}/versions/${encodeURIComponent(v.id)}`)); }}>
                        {t('common.delete')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {writable && canUpload && <ImageUploadForm imageId={imageId} onDone={versions.reload} />}
      {writable && <ImageVersionForm imageId={imageId} onDone={versions.reload} />}
    </div>
  );
}
