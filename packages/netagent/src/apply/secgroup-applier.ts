/**
 * The host's security-group tables (netcfg renderSecurityGroupNft: anti-spoofing and
 * stateful per-NIC rules for every NIC of the host), loaded atomically with nft -f
 * in the host namespace and reloaded when they drift. No NICs: no tables.
 */
import { join } from 'node:path';
import { DEFAULT_SECGROUP_TABLE, renderSecurityGroupNft, type SecurityGroup, type SecurityGroupMode } from '@kumo/netcfg';
import type { ChangeLog, ObjectHistory } from '../apply-report.ts';
import type { NicNetworkSpec } from '../host-network-spec.ts';
import type { HostShell } from '../host-shell.ts';
import { securedNic } from '../secured-nic.ts';
import { ensureNftRuleset, nftAction, removeNftRuleset, type NftRulesetTarget } from './nft-ruleset.ts';

export class SecurityGroupApplier {
  constructor(private readonly shell: HostShell, private readonly stateDir: string) {}

  private target(mode: SecurityGroupMode): NftRulesetTarget {
    return {
      run: (argv, options) => this.shell.inHost(argv, options),
      tables: mode === 'bridge'
        ? [{ family: 'bridge', name: DEFAULT_SECGROUP_TABLE }]
        : [{ family: 'bridge', name: DEFAULT_SECGROUP_TABLE }, { family: 'inet', name: DEFAULT_SECGROUP_TABLE }],
      file: join(this.stateDir, 'secgroups.nft'),
    };
  }

  /** Kumo's security-group tables present on the host ("bridge kumo_sg", "inet kumo_sg"). */
  async observe(): Promise<string[]> {
    const r = await this.shell.inHost(['nft', 'list', 'tables']);
    return r.stdout.split('\n').map((l) => l.trim().replace(/^table /, '')).filter((t) => t.endsWith(` ${DEFAULT_SECGROUP_TABLE}`));
  }

  async ensure(input: { mode: SecurityGroupMode; nics: NicNetworkSpec[]; groups: SecurityGroup[]; history: ObjectHistory }, log: ChangeLog): Promise<void> {
    const target = this.target(input.mode);
    if (input.nics.length === 0) {
      const present = await this.observe();
      if (await removeNftRuleset({ ...target, tables: present.map((t) => ({ family: t.split(' ')[0]!, name: DEFAULT_SECGROUP_TABLE })) })) {
        log.add('removed', 'security-groups', 'host', 'no NICs on this host: security-group tables deleted');
      }
      return;
    }
    const text = renderSecurityGroupNft({ mode: input.mode, groups: input.groups, nics: input.nics.map(securedNic) });
    const outcome = await ensureNftRuleset(target, text);
    if (outcome === 'unchanged') return;
    log.add(nftAction(outcome, input.history), 'security-groups', 'host', `loaded ${input.nics.length} NICs' rules (mode ${input.mode})`);
  }
}
