import { useState } from 'react';
import type { Account, ListResponse, Quota, QuotaLimits } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useSession } from '../session-context.ts';
import { useI18n, type MessageKey } from '../i18n/i18n-context.tsx';
import { ScreenHeader } from '../components/screen-header.tsx';
import { UsageMeter } from '../components/usage-meter.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';

const resources = ['instances', 'vcpus', 'memoryMiB', 'volumes', 'volumeGiB', 'snapshots', 'publicIps', 'networks'] as const;

/** An account's quota: use against each limit as a bar; admins pick the account and edit its limits. */
export function QuotaScreen() {
  const { t } = useI18n();
  const { user, isAdmin } = useSession();
  const [accountId, setAccountId] = useState(user.accountId);
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const accounts = useLiveResource<ListResponse<Account>>(() => (isAdmin ? client.list<Account>('accounts', { limit: 200, sort: 'name' }) : Promise.resolve({ items: [], nextCursor: null })), [isAdmin], { kinds: [] });
  const quota = useLiveResource<Quota>(() => client.request<Quota>('GET', `/api/v1/accounts/${encodeURIComponent(accountId)}/quota`), [accountId], { kinds: ['instance', 'network'] });
  const q = quota.data;
  const save = async (form: HTMLFormElement) => {
    setError(null); setNote(null);
    const data = new FormData(form);
    const body: Partial<QuotaLimits> = {};
    for (const r of resources) {
      const v = String(data.get(r) ?? '').trim();
      body[r] = v === '' ? null : Number(v);
    }
    try {
      await client.request('PUT', `/api/v1/accounts/${encodeURIComponent(accountId)}/quota`, { body });
      setEditing(false); setNote(t('quota.saved')); quota.reload();
    } catch (e) { setError((e as Error).message); }
  };
  return (
    <div>
      <ScreenHeader title={t('quota.title')}>
        {isAdmin && (
          <label>{t('quota.account')}{' '}
            <select value={accountId} onChange={(e) => { setAccountId(e.target.value); setEditing(false); }} data-testid="quota-account">
              {(accounts.data?.items ?? [{ id: user.accountId, name: user.username } as Account]).map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
          </label>
        )}
        {isAdmin && <button type="button" aria-expanded={editing} onClick={() => setEditing((x) => !x)}>{t('quota.edit')}</button>}
      </ScreenHeader>
      <ErrorNote message={quota.error ?? error ?? undefined} />
      {note && <p role="status">{note}</p>}
      {!q ? <LoadingNote /> : (
        <>
          <section className="card" data-testid="quota-meters">
            {resources.map((r) => {
              const label = t(`quota.res.${r}` as MessageKey);
              const limit = q.effective[r];
              return limit === null
                ? <div className="meter" key={r}><div className="meter-head"><span className="meter-label">{label}</span><span className="meter-value">{t('quota.usedUnlimited', { used: q.usage[r] })}</span></div></div>
                : <UsageMeter key={r} label={label} used={q.usage[r]} total={limit} format={String} />;
            })}
          </section>
          {editing && isAdmin && (
            <form className="card" onSubmit={(e) => { e.preventDefault(); void save(e.currentTarget); }} data-testid="quota-form">
              {resources.map((r) => (
                <label key={r} className="form-field">
                  <span>{t(`quota.res.${r}` as MessageKey)}</span>
                  <input name={r} type="number" min={0} step={1} defaultValue={q.limits[r] ?? ''} aria-label={t(`quota.res.${r}` as MessageKey)} aria-describedby={`quota-hint-${r}`} />
                  <small className="muted" id={`quota-hint-${r}`}>{t('quota.editHint', { value: q.defaults[r] ?? t('quota.unlimited') })}</small>
                </label>
              ))}
              <button type="submit" className="primary">{t('quota.save')}</button>
            </form>
          )}
        </>
      )}
    </div>
  );
}
