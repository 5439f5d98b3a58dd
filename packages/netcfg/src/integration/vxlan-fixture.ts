/** Shared setup of the integration tests: one VXLAN segment across all testbed hosts. */
import { planVxlanNetwork, vxlanDeviceNames } from '../link-plan.ts';
import type { Testbed } from '../testbed/index.ts';

/** Applies planVxlanNetwork on every host (with `ip -n`); returns the device names. */
export async function bringUpVxlan(tb: Testbed, vni: number): Promise<{ bridge: string; vxlan: string }> {
  const names = vxlanDeviceNames(vni);
  for (const host of tb.hosts) {
    const plan = planVxlanNetwork({
      netns: host.netns,
      ...names,
      vni,
      localIp: host.underlayIp,
      underlayDevice: host.underlayDevice,
      remoteIps: tb.hosts.filter((h) => h !== host).map((h) => h.underlayIp),
    });
    for (const argv of plan) await tb.run(argv);
  }
  return names;
}

/** True when `busybox ping` from `netns` to `ip` gets an answer within a second. */
export async function pings(tb: Testbed, netns: string, ip: string): Promise<boolean> {
  const r = await tb.execIn(netns, ['busybox', 'ping', '-c', '1', '-W', '1', ip], { allowFailure: true });
  return r.code === 0;
}
