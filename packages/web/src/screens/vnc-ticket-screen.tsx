import { lazy, Suspense } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LoadingNote } from '../components/loading-note.tsx';

const GraphicalConsole = lazy(() => import('../components/graphical-console.tsx').then((m) => ({ default: m.GraphicalConsole })));

/**
 * The page a one-time console link opens (`kumo instance vnc ID` prints it): the graphical console
 * alone, without a login — the ticket in the address is the credential, good for one connection.
 */
export function VncTicketScreen({ ticket }: { ticket: string }) {
  const { t } = useI18n();
  return (
    <main id="main" className="content vnc-ticket">
      <h1>{t('vnc.title')}</h1>
      <Suspense fallback={<LoadingNote />}>
        <GraphicalConsole wsPath={`/api/v1/vnc/${encodeURIComponent(ticket)}`} guestPhase={null} />
      </Suspense>
    </main>
  );
}
