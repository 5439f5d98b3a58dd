import type { DiskOffering } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatCount, formatGiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';

/** Disk offerings with their I/O limits (QoS). */
export function DiskOfferingsCard() {
  const { t } = useI18n();
  const list = useLiveResource(() => client.list<DiskOffering>('disk-offerings', { sort: 'sizeGiB', limit: 200 }), [], { kinds: [] });
  const limit = (n: number | null) => (n === null ? t('doff.unlimited') : formatCount(n));
  return (
    <section className="card" aria-labelledby="doff-title" data-testid="disk-offerings">
      <h2 id="doff-title">{t('doff.title')}</h2>
      <ErrorNote message={list.error} />
      {!list.data ? <LoadingNote /> : list.data.items.length === 0 ? <p className="muted">{t('common.empty')}</p> : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr>
              <th scope="col">{t('common.name')}</th><th scope="col">{t('vol.size')}</th>
              <th scope="col">{t('doff.readIops')}</th><th scope="col">{t('doff.writeIops')}</th>
              <th scope="col">{t('doff.readBps')}</th><th scope="col">{t('doff.writeBps')}</th>
            </tr></thead>
            <tbody>
              {list.data.items.map((o) => (
                <tr key={o.id} data-testid="disk-offering-row" data-name={o.name}>
                  <td><strong>{o.name}</strong></td><td>{formatGiB(o.sizeGiB)}</td>
                  <td>{limit(o.readIops)}</td><td>{limit(o.writeIops)}</td><td>{limit(o.readBytesPerSec)}</td><td>{limit(o.writeBytesPerSec)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
