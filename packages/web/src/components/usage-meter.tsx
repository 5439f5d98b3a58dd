import { formatPercent, usageRatio } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ProgressBar } from './progress-bar.tsx';

/**
 * "CPU  3 of 16 (19%)" with a bar that turns amber then red as it fills. With overcommit
 * (`schedulable` above `total`), the bar measures against what may be scheduled and the text says
 * both: "24 of 16 physical (150%), 64 schedulable".
 */
export function UsageMeter({ label, used, total, schedulable, format }: { label: string; used: number; total: number; schedulable?: number | undefined; format: (n: number) => string }) {
  const { t } = useI18n();
  const scale = schedulable ?? total;
  const r = usageRatio(used, scale);
  const tone = r >= 0.9 ? 'danger' : r >= 0.75 ? 'warn' : 'ok';
  const physicalPercent = total > 0 ? `${Math.round((used / total) * 100)}%` : formatPercent(used, total);
  return (
    <div className="meter">
      <div className="meter-head">
        <span className="meter-label">{label}</span>
        {schedulable === undefined
          ? <span className="meter-value">{t('common.usedOf', { used: format(used), total: format(total) })} <span className="muted">({formatPercent(used, total)})</span></span>
          : <span className="meter-value">{t('common.usedOfOvercommit', { used: format(used), total: format(total), percent: physicalPercent, schedulable: format(schedulable) })}</span>}
      </div>
      <ProgressBar value={r} label={label} tone={tone} />
    </div>
  );
}
