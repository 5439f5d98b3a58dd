import { formatPercent, usageRatio } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ProgressBar } from './progress-bar.tsx';

/** "CPU  3 of 16 (19%)" with a bar that turns amber then red as it fills. */
export function UsageMeter({ label, used, total, format }: { label: string; used: number; total: number; format: (n: number) => string }) {
  const { t } = useI18n();
  const r = usageRatio(used, total);
  const tone = r >= 0.9 ? 'danger' : r >= 0.75 ? 'warn' : 'ok';
  return (
    <div className="meter">
      <div className="meter-head">
        <span className="meter-label">{label}</span>
        <span className="meter-value">{t('common.usedOf', { used: format(used), total: format(total) })} <span className="muted">({formatPercent(used, total)})</span></span>
      </div>
      <ProgressBar value={r} label={label} tone={tone} />
    </div>
  );
}
