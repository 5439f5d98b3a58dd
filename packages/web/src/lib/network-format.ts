/** How networking values are shown: segments, port ranges, rule traffic. Pure and language-neutral. */

export function formatPortRange(r: { from: number; to: number } | null | undefined): string {
  if (!r) return '';
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

/** "VXLAN 5000", "VLAN 120", or "flat" (bridged untagged to the physical network). */
export function segmentLabel(n: { segment: string; vni: number | null; vlan: number | null }): string {
  if (n.segment === 'vxlan') return `VXLAN ${n.vni ?? '?'}`;
  if (n.segment === 'vlan') return `VLAN ${n.vlan ?? '?'}`;
  return n.vlan === null ? n.segment : `${n.segment}, VLAN ${n.vlan}`;
}

interface Traffic { protocol: string; ports: { from: number; to: number } | null; icmpType: number | null; icmpCode: number | null }

/** "tcp 22", "udp 1-65535" (no ports: all of them), "icmp 8/0", "icmp", "all". */
export function describeTraffic(r: Traffic): string {
  if (r.protocol === 'tcp' || r.protocol === 'udp') return `${r.protocol} ${r.ports ? formatPortRange(r.ports) : '1-65535'}`;
  if (r.protocol === 'icmp' && r.icmpType !== null) return `icmp ${r.icmpType}${r.icmpCode !== null ? `/${r.icmpCode}` : ''}`;
  return r.protocol;
}

/** A NIC in a choice list: "web-1 (10.1.0.5)". */
export function nicLabel(nic: { ip: string; instanceId: string }, instanceNames: ReadonlyMap<string, string>): string {
  return `${instanceNames.get(nic.instanceId) ?? nic.instanceId} (${nic.ip})`;
}
