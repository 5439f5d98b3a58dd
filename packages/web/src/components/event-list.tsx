import type { Event } from '@kumo/api';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { severityLabel } from '../i18n/labels.ts';
import { StatusBadge } from './status-badge.tsx';

/** Events as a compact table: time, severity, kind, message. */
export function EventList({ events, empty, showResource = false }: { events: readonly Event[]; empty: string; showResource?: boolean }) {
  const { t, lang } = useI18n();
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('common.time')}</th>
            <th scope="col">{t('common.severity')}</th>
            <th scope="col">{t('common.kind')}</th>
            {showResource && <th scope="col">{t('common.resource')}</th>}
            <th scope="col">{t('common.message')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-testid="event-row">
              <td className="nowrap">{formatDateTime(e.createdAt, lang)}</td>
              <td><StatusBadge value={e.severity} label={severityLabel(t, e.severity)} /></td>
              <td className="nowrap">{e.kind}</td>
              {showResource && <td className="mono">{e.resourceId}</td>}
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
