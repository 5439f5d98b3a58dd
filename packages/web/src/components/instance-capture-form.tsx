import type { Instance } from '@kumo/api';
import { useI18n } from '../i18n/i18n-context.tsx';
import { CaptureImageForm } from './capture-image-form.tsx';

/** Capture an image from this (stopped) instance's root volume: a new image, or a new version of one of that name. */
export function InstanceCaptureForm({ instance }: { instance: Instance }) {
  const { t } = useI18n();
  return (
    <CaptureImageForm
      capturePath={`/api/v1/instances/${encodeURIComponent(instance.id)}/capture`} idPrefix="capture"
      title={t('capture.title')} hint={instance.phase === 'stopped' ? t('capture.hint') : t('capture.stopFirst')}
      enabled={instance.phase === 'stopped'}
    />
  );
}
