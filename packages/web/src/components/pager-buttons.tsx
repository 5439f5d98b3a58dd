import { useI18n } from '../i18n/i18n-context.tsx';

/** Previous / Next for cursor pagination. */
export function PagerButtons({ hasPrev, hasNext, onPrev, onNext, page }: { hasPrev: boolean; hasNext: boolean; onPrev: () => void; onNext: () => void; page: number }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('common.pagination')}>
      <button type="button" onClick={onPrev} disabled={!hasPrev}>{t('common.prev')}</button>
      <span className="muted">{t('common.page', { page })}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>{t('common.next')}</button>
    </nav>
  );
}
