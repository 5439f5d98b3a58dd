import { useI18n } from '../i18n/i18n-context.tsx';

export function LoadingNote() {
  const { t } = useI18n();
  return <p className="muted" role="status">{t('common.loading')}</p>;
}
