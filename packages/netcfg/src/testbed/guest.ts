/**
 * A fake guest for network tests: a namespace whose eth0 is a veth into a bridge of
 * a testbed host, standing in for a VM's NIC (the host side plays the tap).
 */
import type { Testbed } from './testbed.ts';

export interface GuestSpec {
  /** Namespace suffix: the guest is kt-<id>-<suffix>. */
  suffix: string;
  /** Namespace holding the bridge (a testbed host, or any testbed namespace). */
  hostNetns: string;
  bridge: string;
  /** Host-side interface name (the "tap"). */
  hostIfname: string;
  /** Interface name inside the guest; default eth0. */
  guestIfname?: string;
  /** Guest address with prefix, e.g. "10.42.0.11/24"; omitted: no address (DHCP tests). */
  address?: string;
  mac?: string;
  mtu?: number;
  /** Default route via this address. */
  gateway?: string;
}

/** Creates the guest namespace and its link; returns the namespace name. */
export async function attachGuest(testbed: Testbed, spec: GuestSpec): Promise<string> {
  const netns = await testbed.createNamespace(spec.suffix);
  const dev = spec.guestIfname ?? 'eth0';
  const host = ['ip', '-n', spec.hostNetns];
  const guest = ['ip', '-n', netns];
  await testbed.run(['ip', 'link', 'add', spec.hostIfname, 'netns', spec.hostNetns, 'type', 'veth', 'peer', 'name', dev, 'netns', netns]);
  if (spec.mtu !== undefined) {
    await testbed.run([...host, 'link', 'set', spec.hostIfname, 'mtu', String(spec.mtu)]);
    await testbed.run([...guest, 'link', 'set', dev, 'mtu', String(spec.mtu)]);
  }
  await testbed.run([...host, 'link', 'set', spec.hostIfname, 'master', spec.bridge]);
  await testbed.run([...host, 'link', 'set', spec.hostIfname, 'up']);
  if (spec.mac !== undefined) await testbed.run([...guest, 'link', 'set', dev, 'address', spec.mac]);
  if (spec.address !== undefined) await testbed.run([...guest, 'addr', 'add', spec.address, 'dev', dev]);
  await testbed.run([...guest, 'link', 'set', dev, 'up']);
  if (spec.gateway !== undefined) await testbed.run([...guest, 'route', 'add', 'default', 'via', spec.gateway]);
  return netns;
}
