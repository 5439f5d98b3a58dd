import { useEffect, useRef, useState } from 'react';
import RFB from '@novnc/novnc';
import { useI18n } from '../i18n/i18n-context.tsx';

type DisplayState = 'connecting' | 'connected' | 'closed';

/**
 * noVNC over a graphical console WebSocket: the instance's (session cookie, Origin-checked) or a
 * one-time ticket's (`/api/v1/vnc/<ticket>`). The guest's screen scales to the panel; Send
 * Ctrl-Alt-Del sends the three keys (a browser would keep the real ones for itself).
 */
export function GraphicalConsole({ wsPath, guestPhase }: { wsPath: string; guestPhase: string | null }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [state, setState] = useState<DisplayState>('connecting');
  const [reason, setReason] = useState('');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setState('connecting');
    setReason('');
    const rfb = new RFB(el, location.origin.replace(/^http/, 'ws') + wsPath, { shared: true });
    rfb.scaleViewport = true;
    rfb.background = '#0f172a';
    rfbRef.current = rfb;
    rfb.addEventListener('connect', () => { setState('connected'); rfb.focus(); });
    rfb.addEventListener('disconnect', (e) => {
      setState('closed');
      const clean = (e as CustomEvent<{ clean?: boolean }>).detail?.clean;
      setReason((r) => r || (clean ? t('vnc.closedByGuest') : t('vnc.lost')));
    });
    rfb.addEventListener('securityfailure', (e) => setReason((e as CustomEvent<{ reason?: string }>).detail?.reason ?? ''));
    return () => { rfbRef.current = null; rfb.disconnect(); };
  }, [wsPath, t]);

  const shown = state === 'connected' && guestPhase !== null ? 'guest-off' : state;
  return (
    <div className="graphical-console" data-testid="graphical-console" data-state={shown}>
      <div className="section-head">
        <p className="muted" role="status">
          {shown === 'connecting' && t('inst.consoleConnecting')}
          {shown === 'connected' && t('vnc.hint')}
          {shown === 'guest-off' && t('inst.consoleGuestOff', { phase: guestPhase ?? '' })}
          {shown === 'closed' && t('inst.consoleClosed', { reason })}
        </p>
        <button type="button" onClick={() => rfbRef.current?.sendCtrlAltDel()} disabled={state !== 'connected'}>{t('vnc.ctrlAltDel')}</button>
      </div>
      <div className="vnc-screen" ref={box} role="application" aria-label={t('vnc.title')} />
    </div>
  );
}
