import { useEffect, useState, type FormEvent } from 'react';
import type { Image, ImageVersion, InstanceCreate, Keypair, Network, Offering, Operation, SecurityGroup, Zone } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { useLiveResource } from '../api/use-live-resource.ts';
import { formErrorsOf, noFormErrors, type FormErrors } from '../lib/field-errors.ts';
import { formatMiB } from '../lib/format.ts';
import { newIdempotencyKey } from '../lib/idempotency-key.ts';
import { defaultNicChoice, nicRequests, type NicChoice } from '../lib/nic-choice.ts';
import { navigate } from '../navigation.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { FormField } from '../components/form-field.tsx';
import { CheckField } from '../components/check-field.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { WizardNetworkFields } from '../components/wizard-network-fields.tsx';

const apiFields = ['name', 'zoneId', 'imageId', 'isoImageId', 'imageVersionId', 'offeringId', 'keypairId', 'userData', 'start', 'nics', 'configDrive'] as const;
const maxCount = 20;

interface Choices { zones: Zone[]; images: Image[]; offerings: Offering[]; keypairs: Keypair[]; networks: Network[]; groups: SecurityGroup[] }

/** Create one or more instances; the API's validation messages appear at their fields. */
export function InstanceWizardScreen() {
  const { t } = useI18n();
  const { user } = useSession();
  const choices = useLiveResource<Choices>(async () => {
    const [zones, images, offerings, keypairs, networks, groups] = await Promise.all([
      client.listAll<Zone>('zones'), client.listAll<Image>('images'), client.listAll<Offering>('offerings', { sort: 'vcpus' }), client.listAll<Keypair>('keypairs'),
      client.listAll<Network>('networks', { sort: 'name' }), client.listAll<SecurityGroup>('security-groups', { sort: 'name' }),
    ]);
    return { zones, images, offerings, keypairs, networks, groups };
  }, [], { kinds: [] });

  const [name, setName] = useState('');
  const [zoneId, setZoneId] = useState('');
  const [imageId, setImageId] = useState('');
  const [imageVersionId, setImageVersionId] = useState('');
  const [offeringId, setOfferingId] = useState('');
  const [keypairId, setKeypairId] = useState('');
  const [userData, setUserData] = useState('');
  const [count, setCount] = useState('1');
  const [start, setStart] = useState(true);
  const [nicPick, setNicPick] = useState<{ zoneId: string; choice: NicChoice } | null>(null);
  const [configDrive, setConfigDrive] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [busy, setBusy] = useState(false);
  const [versions, setVersions] = useState<ImageVersion[]>([]);

  const c = choices.data;
  useEffect(() => {
    if (!c) return;
    setZoneId((v) => v || c.zones[0]?.id || '');
    setImageId((v) => v || c.images[0]?.id || '');
    setOfferingId((v) => v || c.offerings[0]?.id || '');
  }, [c]);

  // Networks belong to a zone: until the user picks some in this zone, what the API would pick.
  const networksOfZone = (c?.networks ?? []).filter((n) => n.zoneId === zoneId);
  const nicChoice = nicPick?.zoneId === zoneId ? nicPick.choice : defaultNicChoice(c?.networks ?? [], user.accountId, zoneId);

  const isIso = c?.images.find((i) => i.id === imageId)?.kind === 'iso';

  useEffect(() => {
    setImageVersionId('');
    if (!imageId) { setVersions([]); return; }
    let live = true;
    client.request<{ items: ImageVersion[] }>('GET', `/api/v1/images/${encodeURIComponent(imageId)}/versions`)
      .then((r) => { if (live) setVersions(r.items.filter((v) => v.state === 'ready')); }, () => { if (live) setVersions([]); });
    return () => { live = false; };
  }, [imageId]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > maxCount) { setErrors({ fields: { count: t('wiz.countInvalid', { max: maxCount }) }, form: null }); return; }
    setBusy(true);
    setErrors(noFormErrors);
    const ops: Operation[] = [];
    try {
      for (let i = 1; i <= n; i++) {
        const body: InstanceCreate = {
          name: n === 1 ? name : `${name}-${i}`, zoneId, ...(isIso ? { isoImageId: imageId } : { imageId }), offeringId, start, nics: nicRequests(nicChoice),
          ...(configDrive ? { configDrive: true } : {}),
          ...(imageVersionId ? { imageVersionId } : {}), ...(keypairId ? { keypairId } : {}), ...(userData ? { userData } : {}),
        };
        ops.push(await client.create<Operation>('instances', body, { 'idempotency-key': newIdempotencyKey() }));
      }
    } catch (err) {
      const fe = formErrorsOf(err, apiFields);
      setErrors(ops.length ? { ...fe, form: t('wiz.partial', { created: ops.length, message: fe.form ?? '' }) } : fe);
      setBusy(false);
      return;
    }
    navigate(n === 1 && ops[0] ? `/instances/${ops[0].resourceId}` : '/instances');
  };

  const fe: Record<string, string> = { ...errors.fields, ...(errors.fields.isoImageId ? { imageId: errors.fields.isoImageId } : {}) };
  return (
    <div>
      <ScreenHeader title={t('wiz.title')} />
      <ErrorNote message={choices.error} />
      {!c ? <LoadingNote /> : (
        <form className="card form wizard" onSubmit={submit} noValidate data-testid="instance-wizard">
          <fieldset>
            <legend>{t('wiz.stepBasics')}</legend>
            <FormField id="name" label={t('wiz.name')} error={fe.name} hint={t('wiz.nameHint')}>
              <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
            </FormField>
            <FormField id="zoneId" label={t('wiz.zone')} error={fe.zoneId}>
              <select value={zoneId} onChange={(e) => setZoneId(e.target.value)}>
                {c.zones.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}
              </select>
            </FormField>
          </fieldset>
          <fieldset>
            <legend>{t('wiz.stepSource')}</legend>
            <FormField id="imageId" label={t('wiz.image')} error={fe.imageId}>
              <select value={imageId} onChange={(e) => setImageId(e.target.value)}>
                {c.images.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
              </select>
            </FormField>
            {isIso && <p className="muted small" data-testid="iso-install">{t('wiz.isoInstall')}</p>}
            <FormField id="imageVersionId" label={t('wiz.version')} error={fe.imageVersionId}>
              <select value={imageVersionId} onChange={(e) => setImageVersionId(e.target.value)}>
                <option value="">{t('wiz.latestVersion')}</option>
                {versions.map((v) => <option key={v.id} value={v.id}>{v.isDefault ? `${v.version} (${t('img.default')})` : v.version}</option>)}
              </select>
            </FormField>
            <FormField id="offeringId" label={t('wiz.offering')} error={fe.offeringId}>
              <select value={offeringId} onChange={(e) => setOfferingId(e.target.value)}>
                {c.offerings.map((o) => <option key={o.id} value={o.id}>{t('wiz.offeringOption', { name: o.name, vcpus: o.vcpus, memory: formatMiB(o.memoryMiB), disk: o.rootDiskGiB })}</option>)}
              </select>
            </FormField>
          </fieldset>
          <fieldset>
            <legend>{t('wiz.stepAccess')}</legend>
            <FormField id="keypairId" label={t('wiz.keypair')} error={fe.keypairId}>
              <select value={keypairId} onChange={(e) => setKeypairId(e.target.value)}>
                <option value="">{t('wiz.noKeypair')}</option>
                {c.keypairs.map((k) => <option key={k.id} value={k.id}>{k.name}</option>)}
              </select>
            </FormField>
            <FormField id="userData" label={t('wiz.userData')} error={fe.userData} hint={t('wiz.userDataHint')}>
              <textarea rows={4} value={userData} onChange={(e) => setUserData(e.target.value)} spellCheck={false} />
            </FormField>
          </fieldset>
          <WizardNetworkFields
            networks={networksOfZone} groups={c.groups} choice={nicChoice} onChoice={(choice) => setNicPick({ zoneId, choice })}
            configDrive={configDrive} onConfigDrive={setConfigDrive} errors={fe}
          />
          <fieldset>
            <legend>{t('wiz.stepCount')}</legend>
            <FormField id="count" label={t('wiz.count')} error={fe.count} hint={t('wiz.countHint')}>
              <input type="number" min={1} max={maxCount} value={count} onChange={(e) => setCount(e.target.value)} />
            </FormField>
            <CheckField id="start" label={t('wiz.start')} checked={start} onChange={setStart} error={fe.start} />
          </fieldset>
          <ErrorNote message={errors.form} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>{t('wiz.submit')}</button>
            <button type="button" onClick={() => navigate('/instances')}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}
