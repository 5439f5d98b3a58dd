import type { Event } from '@kumo/api';
import { formatDateTime } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { severityLabel } from '../i18n/labels.ts';
import { StatusBadge } from './status-badge.tsx';

/** Events as a compact feed for narrow cards: time and kind on one line, the message under it. */
export function EventFeed({ events, empty }: { events: readonly Event[]; empty: string }) {
  const { t, lang } = useI18n();
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="event-feed">
      {events.map((e) => (
        <li key={e.id} data-testid="event-row">
          <div className="event-head">
            <StatusBadge value={e.severity} label={severityLabel(t, e.severity)} />
            <span className="event-kind">{e.kind}</span>
            <time className="muted small" dateTime={e.createdAt}>{formatDateTime(e.createdAt, lang)}</time>
          </div>
          <div className="event-message">{e.message}</div>
        </li>
      ))}
    </ul>
  );
}
