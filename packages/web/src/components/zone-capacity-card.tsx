import type { ZoneCapacity } from '../lib/capacity-summary.ts';
import { formatCount, formatGiB, formatMiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { UsageMeter } from './usage-meter.tsx';

/** CPU, memory and storage allocated vs total in one zone. */
export function ZoneCapacityCard({ zone }: { zone: ZoneCapacity }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby={`cap-${zone.zoneId}`} data-testid="zone-capacity">
      <h2 id={`cap-${zone.zoneId}`}>{t('dash.capacity', { zone: zone.zoneName })}</h2>
      <p className="muted">{t('dash.hostCount', { count: zone.hostCount })}</p>
      <UsageMeter label={t('dash.cpu')} used={zone.cpus.used} total={zone.cpus.total} schedulable={zone.cpus.schedulable} format={(n) => t('dash.vcpus', { n: formatCount(n) })} />
      <UsageMeter label={t('dash.memory')} used={zone.memoryMiB.used} total={zone.memoryMiB.total} schedulable={zone.memoryMiB.schedulable} format={formatMiB} />
      <UsageMeter label={t('dash.storage')} used={zone.storageGiB.used} total={zone.storageGiB.total} format={formatGiB} />
    </section>
  );
}
