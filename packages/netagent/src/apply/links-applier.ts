/**
 * Guest networks' devices in the host namespace: bridges, VXLAN/VLAN segment
 * devices, FDB flood lists, taps back on their bridge; and removal of the agent's
 * own links that are no longer desired. Touches only links named by
 * network-names.ts (plus the taps and uplinks the spec names).
 */
import { floodEntries, hostSupportsVlan, parseBridgeFdb, planFdbSync, type HostNetCapabilities } from '@kumo/netcfg';
import { actionFor, type ChangeLog, type ObjectHistory } from '../apply-report.ts';
import type { NetworkSpec } from '../host-network-spec.ts';
import type { HostShell } from '../host-shell.ts';
import { parseIpLinks, type ObservedLink } from '../ip-json.ts';
import { isOwnedLinkName } from '../network-names.ts';
import { withRevert, type Revert } from '../revert.ts';
import { planNetworkAttributes, planNetworkCreation, segmentDeviceOf, type LinkStep } from './network-link-plan.ts';

export interface DesiredNetwork {
  network: NetworkSpec;
  /** Taps of this host's NICs on the network. */
  taps: string[];
  history: ObjectHistory;
}

export class LinksApplier {
  constructor(private readonly shell: HostShell, private readonly caps: () => HostNetCapabilities) {}

  /** Every link of the host namespace, by name. */
  async observe(): Promise<Map<string, ObservedLink>> {
    const r = await this.shell.ip(['-d', '-j', 'link', 'show']);
    return parseIpLinks(r.stdout);
  }

  private async runSteps(steps: LinkStep[], log: ChangeLog, desired: DesiredNetwork, revert: Revert): Promise<void> {
    for (const step of steps) {
      await this.shell.run(step.argv);
      if (step.undo !== undefined) {
        const undo = step.undo;
        revert.add(step.detail, () => this.shell.run(undo, { allowFailure: true }));
      }
      const tap = step.tap;
      if (tap === undefined) log.add(actionFor(desired.history), 'network', desired.network.networkId, step.detail);
      else log.add(actionFor(desired.history), 'tap', tap, step.detail);
    }
  }

  /**
   * Makes one network's devices match; throws when it cannot (the caller reports
   * it), after deleting the devices this call created.
   */
  async ensure(desired: DesiredNetwork, log: ChangeLog): Promise<void> {
    await withRevert((revert) => this.ensureSteps(desired, log, revert));
  }

  private async ensureSteps(desired: DesiredNetwork, log: ChangeLog, revert: Revert): Promise<void> {
    const net = desired.network;
    const ns = this.shell.hostNetns;
    if (net.kind === 'isolated' && net.segment.type === 'vlan') {
      const check = hostSupportsVlan(this.caps());
      if (!check.ok) throw Object.assign(new Error(check.reason), { code: 'unsupported' });
    }
    if (net.kind === 'shared' && !(await this.observe()).has(net.physicalDevice)) {
      throw Object.assign(new Error(`the physical device ${net.physicalDevice} of network ${net.networkId} does not exist on this host`), { code: 'invalid' });
    }
    await this.runSteps(planNetworkCreation(ns, net, await this.observe()), log, desired, revert);
    await this.runSteps(planNetworkAttributes(ns, net, await this.observe(), desired.taps), log, desired, revert);
    if (net.kind === 'isolated' && net.segment.type === 'vxlan') {
      const device = segmentDeviceOf(net)!;
      const current = parseBridgeFdb((await this.shell.run(this.shell.bridgeArgv('fdb', 'show', 'dev', device))).stdout);
      const sync = planFdbSync({ ...(ns === undefined ? {} : { netns: ns }), device, desired: floodEntries(net.segment.peers), current });
      for (const argv of sync) {
        await this.shell.run(argv);
        log.add(actionFor(desired.history), 'fdb', net.networkId, `${argv[argv.indexOf('fdb') + 1]} flood entry ${argv[argv.length - 1]} on ${device}`);
      }
    }
  }

  /** Deletes the agent's links whose names are not in `keep`; returns the names deleted. */
  async removeUndesired(keep: ReadonlySet<string>, log: ChangeLog): Promise<void> {
    const links = await this.observe();
    // Segment devices and veths first, bridges last (deleting a bridge releases its ports).
    const doomed = [...links.values()]
      .filter((l) => isOwnedLinkName(l.name) && !keep.has(l.name))
      .sort((a, b) => Number(a.kind === 'bridge') - Number(b.kind === 'bridge') || a.name.localeCompare(b.name));
    for (const link of doomed) {
      const r = await this.shell.ip(['link', 'del', link.name], { allowFailure: true });
      if (r.code === 0) log.add('removed', 'network', link.name, `delete ${link.kind ?? 'link'} ${link.name}`);
      else if ((await this.observe()).has(link.name)) log.error('network', link.name, new Error(r.stderr.trim()));
    }
  }
}
