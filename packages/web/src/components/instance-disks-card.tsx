import { useState } from 'react';
import type { Volume } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formatGiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ErrorNote } from './error-note.tsx';
import { LoadingNote } from './loading-note.tsx';

/** The disks of an instance with attach (a detached volume of the account), detach and resize. */
export function InstanceDisksCard({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [pick, setPick] = useState('');
  const disks = useLiveResource(
    () => client.request<{ items: Volume[] }>('GET', `/api/v1/instances/${encodeURIComponent(instanceId)}/volumes`), [instanceId], { kinds: ['instance', 'operation'] },
  );
  const free = useLiveResource(() => client.list<Volume>('volumes', { kind: 'data', limit: 200 }), [instanceId], { kinds: ['operation'] });
  const detached = (free.data?.items ?? []).filter((v) => v.instanceId === null && v.phase === 'ready' && v.task === null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); disks.reload(); free.reload(); } catch (e) { setError((e as Error).message); }
  };
  const path = (v: Volume, verb: string) => `/api/v1/volumes/${encodeURIComponent(v.id)}/${verb}`;
  const resize = (v: Volume) => {
    const size = window.prompt(t('vol.resizePrompt', { size: v.sizeGiB }), String(v.sizeGiB + 1));
    if (size) void run(() => client.request('POST', path(v, 'resize'), { body: { sizeGiB: Number(size) } }));
  };
  return (
    <section className="card" aria-labelledby="disks-title" data-testid="instance-disks">
      <h2 id="disks-title">{t('inst.disks')}</h2>
      <ErrorNote message={error} />
      {!disks.data ? <LoadingNote /> : disks.data.items.length === 0 ? <p className="muted">{t('inst.noDisks')}</p> : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr>
              <th scope="col">{t('common.name')}</th><th scope="col">{t('common.kind')}</th><th scope="col">{t('inst.diskSize')}</th>
              <th scope="col">{t('vol.slot')}</th><th scope="col">{t('common.state')}</th><th scope="col">{t('common.actions')}</th>
            </tr></thead>
            <tbody>
              {disks.data.items.map((v) => (
                <tr key={v.id} data-testid="disk-row" data-name={v.name}>
                  <td>{v.name || v.id}<div className="muted small mono">{v.serial}</div></td>
                  <td>{v.kind}</td>
                  <td>{formatGiB(v.sizeGiB)}</td>
                  <td className="mono">{v.pciSlot === null ? '-' : `0x${v.pciSlot.toString(16)}`}</td>
                  <td>{v.phase}{v.task ? ` (${v.task})` : ''}</td>
                  <td className="nowrap">
                    <button type="button" onClick={() => resize(v)} aria-label={t('vol.resizeNamed', { name: v.name || v.id })}>{t('vol.resize')}</button>
                    {v.kind === 'data' && <button type="button" onClick={() => void run(() => client.request('POST', path(v, 'detach')))} aria-label={t('vol.detachNamed', { name: v.name || v.id })}>{t('vol.detach')}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); const v = detached.find((x) => x.id === pick); if (v) void run(() => client.request('POST', path(v, 'attach'), { body: { instanceId } })); }}>
        <label htmlFor="attach-volume">{t('vol.attachLabel')}</label>
        <select id="attach-volume" value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">{t('vol.choose')}</option>
          {detached.map((v) => <option key={v.id} value={v.id}>{v.name || v.id} ({formatGiB(v.sizeGiB)})</option>)}
        </select>
        <button type="submit" disabled={!pick}>{t('vol.attach')}</button>
      </form>
    </section>
  );
}
