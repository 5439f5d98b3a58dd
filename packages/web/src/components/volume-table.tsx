import type { Volume } from '@kumo/api';
import { formatGiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The disks of an instance. */
export function VolumeTable({ volumes }: { volumes: readonly Volume[] }) {
  const { t } = useI18n();
  if (volumes.length === 0) return <p className="muted">{t('inst.noDisks')}</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('common.id')}</th>
            <th scope="col">{t('common.kind')}</th>
            <th scope="col">{t('inst.diskSize')}</th>
            <th scope="col">{t('img.format')}</th>
            <th scope="col">{t('inst.provisioning')}</th>
            <th scope="col">{t('common.state')}</th>
          </tr>
        </thead>
        <tbody>
          {volumes.map((v) => (
            <tr key={v.id}>
              <td className="mono">{v.id}</td>
              <td>{v.kind}</td>
              <td>{formatGiB(v.sizeGiB)}</td>
              <td>{v.format}</td>
              <td>{v.provisioning}</td>
              <td>{v.phase}{v.task ? ` (${v.task})` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
