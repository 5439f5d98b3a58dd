/**
 * What a host's kernel can do for guest networking, and the refusals Kumo gives when
 * a network asks for more. The agent detects the facts (reading /proc/config.gz, or
 * trying `ip link add ... type vlan`); the decisions here are pure.
 */

export interface HostNetCapabilities {
  /** 802.1Q interfaces (`ip link add link eth0 name eth0.100 type vlan id 100`). */
  vlan8021q: boolean;
  /** `ct` expressions in bridge-family nft tables (nf_conntrack_bridge, Linux >= 5.3). */
  bridgeConntrack: boolean;
  /** br_netfilter with net.bridge.bridge-nf-call-iptables=1: bridged IPv4 passes the inet hooks. */
  brNetfilter: boolean;
}

export type CapabilityCheck = { ok: true } | { ok: false; reason: string };

/** Whether VLAN-backed networks can be placed on the host, with the refusal text when not. */
export function hostSupportsVlan(caps: HostNetCapabilities, hostName = 'this host'): CapabilityCheck {
  if (caps.vlan8021q) return { ok: true };
  return {
    ok: false,
    reason: `${hostName} cannot create 802.1Q VLAN interfaces: its kernel lacks VLAN_8021Q (ip link add ... type vlan fails with "Unknown device type"). Use an isolated network on VXLAN instead, or load the 8021q module on a kernel that has it.`,
  };
}

/**
 * Parses kernel config text (/proc/config.gz, decompressed) into capabilities.
 * `=m` counts as available: the agent loads the module before relying on it.
 * brNetfilter also needs the sysctl check, which the agent does separately.
 */
export function capabilitiesFromKernelConfig(text: string): HostNetCapabilities {
  const has = (option: string): boolean => new RegExp(`^CONFIG_${option}=[ym]$`, 'm').test(text);
  return {
    vlan8021q: has('VLAN_8021Q'),
    bridgeConntrack: has('NF_CONNTRACK_BRIDGE'),
    brNetfilter: has('BRIDGE_NETFILTER'),
  };
}
