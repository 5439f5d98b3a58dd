import { useEffect, useState } from 'react';
import { hasApiRoute } from '../api/api-capabilities.ts';
import { client } from '../api/kumo-client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Public IPs arrive with a later release: "not configured" until the server has /api/v1/public-ips. */
export function PublicIpsCard() {
  const { t } = useI18n();
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    hasApiRoute('get', '/api/v1/public-ips')
      .then(async (has) => (has ? (await client.listAll<unknown>('public-ips')).length : null))
      .then((n) => { if (live) setCount(n); }, () => {});
    return () => { live = false; };
  }, []);
  return (
    <section className="card" aria-labelledby="public-ips-title" data-testid="public-ips">
      <h2 id="public-ips-title">{t('dash.publicIps')}</h2>
      <p className="big-number">{count === null ? <span className="muted">{t('dash.notConfigured')}</span> : t('dash.ipCount', { count })}</p>
    </section>
  );
}
