import type { Instance } from '@kumo/api';
import { formatDateTime, formatMiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { desiredLabel, phaseLabel, taskLabel } from '../i18n/labels.ts';
import { StatusBadge } from './status-badge.tsx';
import { DetailList, type DetailRow } from './detail-list.tsx';

/** Desired / phase / task / observed, placement and size of an instance. */
export function InstanceDetails({ instance: i, hostName }: { instance: Instance; hostName: string | undefined }) {
  const { t, lang } = useI18n();
  const rows: DetailRow[] = [
    [t('inst.desired'), desiredLabel(t, i.desired), 'desired'],
    [t('inst.phase'), <StatusBadge value={i.phase} label={phaseLabel(t, i.phase)} />, 'phase'],
    [t('inst.task'), taskLabel(t, i.task), 'task'],
    [t('inst.observed'), i.observed.power ? `${i.observed.power} (${formatDateTime(i.observed.at, lang)})` : '—', 'observed'],
    [t('inst.host'), i.hostId ? hostName ?? i.hostId : '—', 'host'],
    [t('inst.size'), t('inst.sizeValue', { vcpus: i.vcpus, memory: formatMiB(i.memoryMiB), disk: i.rootDiskGiB })],
    [t('inst.configDrive'), i.configDrive ? t('common.yes') : t('common.no'), 'config-drive'],
    [t('common.id'), <span className="mono">{i.id}</span>],
    [t('common.createdAt'), formatDateTime(i.createdAt, lang)],
  ];
  if (i.errorReason) rows.push([t('inst.errorReason'), <span className="text-danger">{i.errorReason}</span>, 'error']);
  return <DetailList rows={rows} testId="instance-details" />;
}
