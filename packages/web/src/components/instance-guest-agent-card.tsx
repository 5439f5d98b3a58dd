import { useState } from 'react';
import type { GuestInfo } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/**
 * The guest agent of a running instance (images that declare qemu-guest-agent): what it reports
 * (OS, interfaces and addresses), asked on demand, and setting a guest user's password. A guest
 * without an agent answers with an error after the agent's timeout.
 */
export function InstanceGuestAgentCard({ instanceId, running }: { instanceId: string; running: boolean }) {
  const { t } = useI18n();
  const base = `/api/v1/instances/${encodeURIComponent(instanceId)}`;
  const [info, setInfo] = useState<GuestInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const run = async (fn: () => Promise<void>) => {
    setBusy(true); setError(null); setDone(null);
    try { await fn(); } catch (e) { setError(e as Error); } finally { setBusy(false); }
  };
  return (
    <section className="card" aria-labelledby="guest-agent-title" data-testid="guest-agent-card">
      <h2 id="guest-agent-title">{t('qga.title')}</h2>
      {!running && <p className="muted">{t('qga.notRunning')}</p>}
      <div className="form-actions">
        <button type="button" disabled={!running || busy} onClick={() => void run(async () => { setInfo(await client.request<GuestInfo>('GET', `${base}/guest`)); })}>{t('qga.ask')}</button>
      </div>
      {info && (
        <dl className="details">
          <dt>{t('qga.os')}</dt><dd>{info.os?.prettyName ?? info.os?.name ?? '-'}</dd>
          <dt>{t('qga.kernel')}</dt><dd>{info.os?.kernelRelease ?? '-'}</dd>
          {info.interfaces.filter((i) => i.name !== 'lo').map((i) => (
            <div key={i.name}><dt>{i.name}</dt><dd>{i.addresses.map((a) => `${a.address}/${a.prefix}`).join(', ') || '-'}</dd></div>
          ))}
        </dl>
      )}
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void run(async () => { await client.request('POST', `${base}/password`, { body: { user, password } }); setPassword(''); setDone(t('qga.passwordSet', { user })); }); }}>
        <FormField id="qga-user" label={t('qga.user')}><input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" /></FormField>
        <FormField id="qga-password" label={t('qga.password')}><input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" /></FormField>
        <div className="form-actions"><button type="submit" disabled={!running || busy || !user || !password}>{t('qga.setPassword')}</button></div>
      </form>
      {done && <p role="status">{done}</p>}
      <ErrorNote message={error} />
    </section>
  );
}
