import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useI18n } from '../i18n/i18n-context.tsx';

type ConsoleState = 'connecting' | 'connected' | 'closed';
/** What the status line shows: the link's state, or that the guest behind an open link is not running. */
type ShownState = ConsoleState | 'guest-off';

/**
 * xterm.js over the console WebSocket: recent output first (console/log), then live binary frames;
 * typed keys go to the guest as binary frames. The browser authenticates with the session cookie.
 * guestPhase: the instance's phase when the guest is not running (the link stays open, but nothing
 * new arrives until it starts again), null while it runs.
 */
export function SerialConsole({ instanceId, guestPhase }: { instanceId: string; guestPhase: string | null }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<ConsoleState>('connecting');
  const [reason, setReason] = useState('');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000, theme: { background: '#0f172a', foreground: '#e2e8f0' } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const resize = new ResizeObserver(() => { try { fit.fit(); } catch { /* detached */ } });
    resize.observe(el);

    let ws: WebSocket | null = null;
    let disposed = false;
    const encoder = new TextEncoder();
    const path = `/api/v1/instances/${encodeURIComponent(instanceId)}/console`;

    fetch(`${path}/log`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : ''), () => '')
      .then((log) => {
        if (disposed) return;
        if (log) term.write(log.slice(-64 * 1024));
        ws = new WebSocket(location.origin.replace(/^http/, 'ws') + path);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => { setState('connected'); term.focus(); };
        ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
          if (typeof ev.data === 'string') {
            try { setReason((JSON.parse(ev.data) as { error?: { message?: string } }).error?.message ?? ev.data); } catch { setReason(ev.data); }
            return;
          }
          term.write(new Uint8Array(ev.data));
        };
        ws.onclose = (ev) => { setState('closed'); setReason((r) => r || ev.reason || String(ev.code)); };
      });
    const typing = term.onData((d) => { if (ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(d)); });

    return () => {
      disposed = true;
      typing.dispose();
      resize.disconnect();
      ws?.close();
      term.dispose();
    };
  }, [instanceId]);

  const shown: ShownState = state === 'connected' && guestPhase !== null ? 'guest-off' : state;
  return (
    <div className="serial-console" data-testid="serial-console" data-state={shown}>
      <p className="muted" role="status">
        {shown === 'connecting' && t('inst.consoleConnecting')}
        {shown === 'connected' && t('inst.consoleHint')}
        {shown === 'guest-off' && t('inst.consoleGuestOff', { phase: guestPhase ?? '' })}
        {shown === 'closed' && t('inst.consoleClosed', { reason })}
      </p>
      <div className="terminal" ref={box} role="application" aria-label={t('inst.console')} />
    </div>
  );
}
