import { useState, type FormEvent } from 'react';
import { client } from '../api/kumo-client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { passwordChangeErrorMessage } from '../lib/auth-error-message.ts';

/** Change your own password (the current one is required); the server ends your other sessions. */
export function PasswordScreen() {
  const { t } = useI18n();
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (newPassword.length < 8) { setError(t('password.tooShort')); return; }
    if (newPassword !== confirm) { setError(t('password.mismatch')); return; }
    setBusy(true);
    try {
      await client.request('POST', '/api/v1/auth/password', { body: { oldPassword, newPassword } });
      setOld(''); setNew(''); setConfirm('');
      setDone(true);
    } catch (err) {
      const m = passwordChangeErrorMessage(err);
      setError(t(m.key, m.values));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <ScreenHeader title={t('password.title')} />
      <form className="card" onSubmit={submit} noValidate data-testid="password-form">
        <div className="field">
          <label htmlFor="pw-old">{t('password.old')}</label>
          <input id="pw-old" type="password" autoComplete="current-password" value={oldPassword} onChange={(e) => setOld(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="pw-new">{t('password.new')}</label>
          <input id="pw-new" type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="pw-confirm">{t('password.confirm')}</label>
          <input id="pw-confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </div>
        <ErrorNote message={error} />
        {done && <p role="status" className="muted">{t('password.done')}</p>}
        <button type="submit" className="primary" disabled={busy}>{t('password.submit')}</button>
      </form>
    </div>
  );
}
