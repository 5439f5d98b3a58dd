import { lazy, Suspense, useState } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LoadingNote } from './loading-note.tsx';

// xterm.js and noVNC are loaded only when a console is opened, to keep the first load small.
const SerialConsole = lazy(() => import('./serial-console.tsx').then((m) => ({ default: m.SerialConsole })));
const GraphicalConsole = lazy(() => import('./graphical-console.tsx').then((m) => ({ default: m.GraphicalConsole })));

type ConsoleKind = 'serial' | 'graphical';

/**
 * The serial and graphical consoles of an instance (tabs), opened on demand; their status lines say
 * when the guest is not running. The graphical tab is offered unless the instance has no display.
 */
export function ConsolePanel({ instanceId, phase, graphical = true }: { instanceId: string; phase: string; graphical?: boolean }) {
  const available = phase === 'running' || phase === 'paused';
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<ConsoleKind>('serial');
  const tab = (k: ConsoleKind, label: string) => (
    <button type="button" role="tab" id={`console-tab-${k}`} aria-selected={kind === k} aria-controls="console-body" className={kind === k ? 'tab active' : 'tab'} onClick={() => setKind(k)}>{label}</button>
  );
  return (
    <section className="card" aria-labelledby="console-title">
      <div className="section-head">
        <h2 id="console-title">{t('inst.consoles')}</h2>
        <button type="button" onClick={() => setOpen((o) => !o)} disabled={!available && !open} aria-expanded={open} aria-controls="console-body">
          {open ? t('inst.closeConsole') : t('inst.openConsole')}
        </button>
      </div>
      {graphical && (
        <div role="tablist" aria-label={t('inst.consoles')} className="tabs">
          {tab('serial', t('inst.console'))}
          {tab('graphical', t('vnc.title'))}
        </div>
      )}
      {!available && !open && <p className="muted">{t('inst.consoleUnavailable')}</p>}
      <div id="console-body" role="tabpanel" aria-labelledby={`console-tab-${kind}`}>
        {open && kind === 'serial' && <Suspense fallback={<LoadingNote />}><SerialConsole instanceId={instanceId} guestPhase={available ? null : phase} /></Suspense>}
        {open && kind === 'graphical' && (
          <Suspense fallback={<LoadingNote />}>
            <GraphicalConsole wsPath={`/api/v1/instances/${encodeURIComponent(instanceId)}/vnc`} guestPhase={available ? null : phase} />
          </Suspense>
        )}
      </div>
    </section>
  );
}
