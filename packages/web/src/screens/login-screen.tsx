import { useState, type FormEvent } from 'react';
import type { TokenResponse } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { LanguageSelect } from '../components/language-select.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import type { SessionUser } from '../session-context.ts';
import { loginErrorMessage } from '../lib/auth-error-message.ts';

/** Password sign-in; the server sets the HttpOnly session cookie. */
export function LoginScreen({ onLogin }: { onLogin: (u: SessionUser) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await client.request<TokenResponse>('POST', '/api/v1/auth/login', { body: { username, password } });
      onLogin({ accountId: r.accountId, username: r.username, role: r.role });
    } catch (err) {
      const m = loginErrorMessage(err);
      setError(t(m.key, m.values));
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="card login-card" onSubmit={submit} noValidate>
        <div className="login-brand"><span className="logo" aria-hidden="true">雲</span> Kumo</div>
        <h1>{t('auth.title')}</h1>
        <div className="field">
          <label htmlFor="login-username">{t('auth.username')}</label>
          <input id="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('auth.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <ErrorNote message={error} />
        <button type="submit" className="primary" disabled={busy}>{t('auth.submit')}</button>
        <LanguageSelect />
      </form>
    </main>
  );
}
