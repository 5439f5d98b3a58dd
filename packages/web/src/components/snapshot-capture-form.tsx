import type { Snapshot } from '@kumo/api';
import { useI18n } from '../i18n/i18n-context.tsx';
import { CaptureImageForm } from './capture-image-form.tsx';

/** Capture an image from a ready snapshot: a new image, or a new version of one of that name. */
export function SnapshotCaptureForm({ snapshot, onClose }: { snapshot: Snapshot; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <CaptureImageForm
      capturePath={`/api/v1/snapshots/${encodeURIComponent(snapshot.id)}/capture`} idPrefix="snapshot-capture"
      title={t('snap.captureTitle', { name: snapshot.name })} hint={t('snap.captureHint')} enabled onClose={onClose}
    />
  );
}
