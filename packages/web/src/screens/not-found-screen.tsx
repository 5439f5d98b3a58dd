import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { LinkTo } from '../components/link-to.tsx';

export function NotFoundScreen({ path }: { path: string }) {
  const { t } = useI18n();
  return (
    <div>
      <ScreenHeader title={t('nf.title')} />
      <p>{t('nf.text', { path })}</p>
      <LinkTo to="/">{t('nav.dashboard')}</LinkTo>
    </div>
  );
}
