import { imagePropertyChoices } from '@kumo/api';
import { useI18n } from '../i18n/i18n-context.tsx';
import { FormField } from './form-field.tsx';
import { CheckField } from './check-field.tsx';

/** The image properties' form values (docs/guests.md). */
export interface ImagePropertyValues {
  firmware: string; secureBoot: boolean; diskBus: string; nicModel: string; osType: string;
  tpm: boolean; guestAgent: boolean; minMemoryMiB: string;
}

export const defaultImagePropertyValues: ImagePropertyValues = {
  firmware: 'bios', secureBoot: false, diskBus: 'virtio-blk', nicModel: 'virtio', osType: 'linux', tpm: false, guestAgent: false, minMemoryMiB: '0',
};

export const imagePropertyFieldNames = ['firmware', 'secureBoot', 'diskBus', 'nicModel', 'osType', 'tpm', 'guestAgent', 'minMemoryMiB'] as const;

/** Firmware, buses, OS type, TPM, guest agent and minimum memory of an image. */
export function ImagePropertyFields({ values, set, errors }: {
  values: ImagePropertyValues; set: (k: keyof ImagePropertyValues, v: string | boolean) => void; errors: Partial<Record<string, string>>;
}) {
  const { t } = useI18n();
  const select = (id: string, key: 'firmware' | 'diskBus' | 'nicModel' | 'osType', label: string, options: readonly string[]) => (
    <FormField id={id} label={label} error={errors[key]}>
      <select value={values[key]} onChange={(x) => set(key, x.target.value)}>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </FormField>
  );
  return (
    <>
      <div className="form-grid">
        {select('image-os', 'osType', t('img.osType'), imagePropertyChoices.osType)}
        {select('image-firmware', 'firmware', t('img.firmware'), imagePropertyChoices.firmware)}
        {select('image-disk-bus', 'diskBus', t('img.diskBus'), imagePropertyChoices.diskBus)}
        {select('image-nic-model', 'nicModel', t('img.nicModel'), imagePropertyChoices.nicModel)}
        <FormField id="image-min-memory" label={t('img.minMemory')} error={errors.minMemoryMiB}>
          <input type="number" min={0} value={values.minMemoryMiB} onChange={(x) => set('minMemoryMiB', x.target.value)} />
        </FormField>
      </div>
      <CheckField id="image-secure-boot" label={t('img.secureBoot')} checked={values.secureBoot} onChange={(v) => set('secureBoot', v)} error={errors.secureBoot} />
      <CheckField id="image-tpm" label={t('img.tpm')} checked={values.tpm} onChange={(v) => set('tpm', v)} error={errors.tpm} />
      <CheckField id="image-guest-agent" label={t('img.guestAgent')} checked={values.guestAgent} onChange={(v) => set('guestAgent', v)} error={errors.guestAgent} />
    </>
  );
}
