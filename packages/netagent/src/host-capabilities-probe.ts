/**
 * What the host kernel can do for guest networking (I/O around netcfg's pure
 * capabilitiesFromKernelConfig): the kernel config from /proc/config.gz or
 * /boot/config-<release>, loading nf_conntrack_bridge when it is a module, and the
 * br_netfilter sysctl of the host namespace (which the agent turns on when it is
 * the mode it relies on).
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { capabilitiesFromKernelConfig, chooseSecurityGroupMode, type HostNetCapabilities, type SecurityGroupMode } from '@kumo/netcfg';
import type { HostShell } from './host-shell.ts';

export const BR_NETFILTER_SYSCTL = 'net.bridge.bridge-nf-call-iptables';

function kernelConfigText(): string | undefined {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    try {
      return readFileSync(`/boot/config-${release()}`, 'utf8');
    } catch {
      return undefined;
    }
  }
}

/** Kernel capabilities; brNetfilter here means "built in or a module", the sysctl is checked apart. */
export async function probeKernelCapabilities(shell: HostShell): Promise<HostNetCapabilities> {
  const text = kernelConfigText();
  const caps = text === undefined
    ? { vlan8021q: false, bridgeConntrack: false, brNetfilter: false }
    : capabilitiesFromKernelConfig(text);
  if (text !== undefined && /^CONFIG_NF_CONNTRACK_BRIDGE=m$/m.test(text)) {
    caps.bridgeConntrack = (await shell.run(['modprobe', 'nf_conntrack_bridge'], { allowFailure: true })).code === 0;
  }
  if (text !== undefined && /^CONFIG_BRIDGE_NETFILTER=m$/m.test(text)) {
    caps.brNetfilter = (await shell.run(['modprobe', 'br_netfilter'], { allowFailure: true })).code === 0;
  }
  if (text === undefined) {
    // No kernel config to read: trust what the running kernel exposes.
    caps.brNetfilter = (await shell.inHost(['sysctl', '-n', BR_NETFILTER_SYSCTL], { allowFailure: true })).code === 0;
  }
  return caps;
}

export function securityGroupModeFor(caps: HostNetCapabilities): SecurityGroupMode {
  const choice = chooseSecurityGroupMode(caps);
  if (!choice.ok) throw Object.assign(new Error(choice.reason), { code: 'unsupported' });
  return choice.mode;
}

/** In br_netfilter mode bridged IPv4 must pass the inet hooks; returns true when it had to turn that on. */
export async function ensureBrNetfilterSysctl(shell: HostShell): Promise<boolean> {
  const r = await shell.inHost(['sysctl', '-n', BR_NETFILTER_SYSCTL]);
  if (r.stdout.trim() === '1') return false;
  await shell.inHost(['sysctl', '-qw', `${BR_NETFILTER_SYSCTL}=1`]);
  return true;
}
