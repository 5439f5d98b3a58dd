import { useState } from 'react';
import type { Alert } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useNow } from '../api/use-now.ts';
import { formatAge } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { metricsEn, type MetricsMessageKey } from '../i18n/messages-metrics-en.ts';

/** The rule's name as people read it (a rule this console does not know yet shows as is). */
function ruleKey(rule: string): MetricsMessageKey | null {
  const key = `alerts.rule.${rule}`;
  return key in metricsEn ? key as MetricsMessageKey : null;
}

/** The notification area: alerts of the last day (host down, pool full, CPU saturated, HA restart, failed operation). */
export function AlertsMenu() {
  const { t, lang } = useI18n();
  const now = useNow(30_000);
  const [open, setOpen] = useState(false);
  const alerts = useLiveResource(() => client.request<{ items: Alert[] }>('GET', '/api/v1/alerts', { query: { limit: 20 } }), [], { kinds: ['event'], debounceMs: 500 });
  const recent = (alerts.data?.items ?? []).filter((a) => now - Date.parse(a.createdAt) < 86_400_000);
  const worst = recent.some((a) => a.severity === 'error') ? 'error' : recent.length > 0 ? 'warning' : 'none';
  return (
    <div className="alerts-menu">
      <button type="button" aria-expanded={open} aria-haspopup="true" onClick={() => setOpen((o) => !o)} data-testid="alerts-button" data-count={recent.length} data-severity={worst}>
        <span aria-hidden="true">🔔</span> {t('alerts.button', { count: recent.length })}
      </button>
      {open && (
        <div className="alerts-panel" role="region" aria-label={t('alerts.title')} data-testid="alerts-panel">
          {recent.length === 0 ? <p className="muted">{t('alerts.none')}</p> : (
            <ul>
              {recent.map((a) => (
                <li key={a.id} className={`alert-item sev-${a.severity}`} data-testid="alert-item" data-rule={a.rule}>
                  <strong>{((k) => (k ? t(k) : a.rule))(ruleKey(a.rule))}</strong> <span className="muted small">{t('host.ago', { age: formatAge(now - Date.parse(a.createdAt), lang) })}</span>
                  <div>{a.message}</div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
