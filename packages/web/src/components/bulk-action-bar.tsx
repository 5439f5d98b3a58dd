import { useI18n } from '../i18n/i18n-context.tsx';

export type BulkAction = 'start' | 'stop' | 'delete';

/** Start / stop / delete the selected instances. */
export function BulkActionBar({ count, busy, onAction }: { count: number; busy: boolean; onAction: (a: BulkAction) => void }) {
  const { t } = useI18n();
  return (
    <div className="bulk-bar" role="group" aria-label={t('inst.bulkGroup')}>
      <span className="muted" aria-live="polite">{t('inst.selected', { count })}</span>
      <button type="button" disabled={count === 0 || busy} onClick={() => onAction('start')}>{t('inst.bulkStart')}</button>
      <button type="button" disabled={count === 0 || busy} onClick={() => onAction('stop')}>{t('inst.bulkStop')}</button>
      <button type="button" className="danger" disabled={count === 0 || busy} onClick={() => onAction('delete')}>{t('inst.bulkDelete')}</button>
    </div>
  );
}
