import { useState } from 'react';
import type { Image, Instance } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { ErrorNote } from './error-note.tsx';

/**
 * The instance's CD-ROM drive and boot order: which ISO is in the drive (or none, or no drive),
 * insert one of the ISOs the user may see, eject, boot from disk or CD-ROM first (from the next start).
 */
export function InstanceCdromCard({ instance, onChange }: { instance: Instance; onChange: () => void }) {
  const { t } = useI18n();
  const isos = useLiveResource(() => client.list<Image>('images', { kind: 'iso', limit: 200, sort: 'name' }), [], { kinds: [] });
  const [picked, setPicked] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/v1/instances/${encodeURIComponent(instance.id)}`;
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try { await fn(); onChange(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  const items = isos.data?.items ?? [];
  const inDrive = instance.cdrom?.imageId ? (items.find((i) => i.id === instance.cdrom?.imageId)?.name ?? instance.cdrom.imageId) : null;
  return (
    <section className="card" aria-labelledby="cdrom-title" data-testid="cdrom-card" data-iso={instance.cdrom?.imageId ?? ''} data-boot={instance.bootDevice}>
      <h2 id="cdrom-title">{t('cdrom.title')}</h2>
      <p data-testid="cdrom-state">{!instance.cdrom ? t('cdrom.noDrive') : inDrive ? t('cdrom.holds', { name: inDrive }) : t('cdrom.empty')}</p>
      <div className="form-grid">
        <FormField id="cdrom-iso" label={t('cdrom.iso')}>
          <select value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">{t('cdrom.pick')}</option>
            {items.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
          </select>
        </FormField>
        <FormField id="cdrom-boot" label={t('cdrom.bootDevice')}>
          <select value={instance.bootDevice} disabled={busy} onChange={(e) => void run(() => client.request('PATCH', base, { body: { bootDevice: e.target.value } }))}>
            <option value="disk">{t('cdrom.bootDisk')}</option>
            <option value="cdrom">{t('cdrom.bootCdrom')}</option>
          </select>
        </FormField>
      </div>
      <div className="form-actions">
        <button type="button" disabled={busy || !picked} data-action="cdrom-insert" onClick={() => void run(() => client.request('POST', `${base}/cdrom`, { body: { imageId: picked } }))}>{t('cdrom.insert')}</button>
        <button type="button" disabled={busy || !instance.cdrom?.imageId} data-action="cdrom-eject" onClick={() => void run(() => client.request('DELETE', `${base}/cdrom`))}>{t('cdrom.eject')}</button>
      </div>
      <ErrorNote message={error} />
    </section>
  );
}
