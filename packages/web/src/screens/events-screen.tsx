import type { Event } from '@kumo/api';
import { usePagedList } from '../api/use-paged-list.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { EventList } from '../components/event-list.tsx';
import { PagerButtons } from '../components/pager-buttons.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';

/** The event history, newest first, live. */
export function EventsScreen() {
  const { t } = useI18n();
  const list = usePagedList<Event>('events', { sort: '-createdAt' }, { kinds: ['event'], limit: 25 });
  return (
    <div>
      <ScreenHeader title={t('ev.title')} />
      <ErrorNote message={list.error} />
      {!list.data ? <LoadingNote /> : (
        <>
          <EventList events={list.items} empty={t('common.empty')} showResource />
          <PagerButtons page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
        </>
      )}
    </div>
  );
}
