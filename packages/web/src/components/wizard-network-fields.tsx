import type { Network, SecurityGroup } from '@kumo/api';
import type { NicChoice } from '../lib/nic-choice.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { CheckList } from './check-list.tsx';
import { CheckField } from './check-field.tsx';

/**
 * The wizard's networking step: the networks of the zone (one NIC each, in the order ticked), the
 * security groups of each NIC (none: the account's default group) and the config drive.
 */
export function WizardNetworkFields({ networks, groups, choice, onChoice, configDrive, onConfigDrive, errors }: {
  networks: readonly Network[]; groups: readonly SecurityGroup[];
  choice: NicChoice; onChoice: (c: NicChoice) => void;
  configDrive: boolean; onConfigDrive: (v: boolean) => void;
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  const groupChoices = groups.map((g) => ({ value: g.id, label: g.name }));
  return (
    <fieldset>
      <legend>{t('wiz.stepNetwork')}</legend>
      <CheckList
        id="nics" legend={t('wiz.networks')} hint={t('wiz.networksHint')} empty={t('wiz.noNetworks')} error={errors.nics}
        choices={networks.map((n) => ({ value: n.id, label: `${n.name} (${n.cidr})` }))}
        value={choice.networkIds} onChange={(networkIds) => onChoice({ ...choice, networkIds })}
      />
      {choice.networkIds.map((nid, i) => (
        <CheckList
          key={nid} id={`nic-groups-${nid}`} hint={t('wiz.nicGroupsHint')} choices={groupChoices}
          legend={t('wiz.nicGroups', { device: `eth${i}`, network: networks.find((n) => n.id === nid)?.name ?? nid })}
          value={choice.groups[nid] ?? []} onChange={(g) => onChoice({ ...choice, groups: { ...choice.groups, [nid]: g } })}
        />
      ))}
      <CheckField id="configDrive" label={t('wiz.configDrive')} checked={configDrive} onChange={onConfigDrive} error={errors.configDrive} />
    </fieldset>
  );
}
