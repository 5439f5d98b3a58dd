import { lazy, Suspense, useState } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LoadingNote } from './loading-note.tsx';

// xterm.js is loaded only when a console is opened, to keep the first load small.
const SerialConsole = lazy(() => import('./serial-console.tsx').then((m) => ({ default: m.SerialConsole })));

/** The serial console of an instance, opened on demand; its status line says when the guest is not running. */
export function ConsolePanel({ instanceId, phase }: { instanceId: string; phase: string }) {
  const available = phase === 'running' || phase === 'paused';
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <section className="card" aria-labelledby="console-title">
      <div className="section-head">
        <h2 id="console-title">{t('inst.console')}</h2>
        <button type="button" onClick={() => setOpen((o) => !o)} disabled={!available && !open} aria-expanded={open} aria-controls="console-body">
          {open ? t('inst.closeConsole') : t('inst.openConsole')}
        </button>
      </div>
      {!available && !open && <p className="muted">{t('inst.consoleUnavailable')}</p>}
      <div id="console-body">
        {open && <Suspense fallback={<LoadingNote />}><SerialConsole instanceId={instanceId} guestPhase={available ? null : phase} /></Suspense>}
      </div>
    </section>
  );
}
