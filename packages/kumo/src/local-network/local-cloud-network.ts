import type { KumoClient } from '@kumo/api';
import type { LocalPublicNetwork } from './local-public-network.ts';

interface Named { id: string; name: string }

export interface LocalCloudNetwork { networkId: string; created: boolean }

/**
 * The database side of `kumo up`'s networking, through the API and idempotent (it finds what an
 * earlier start created): a guest physical network whose isolated networks are VXLAN segments over
 * `guestDevice` (this machine's loopback for one host: no peers; eth0 for namespace hosts), a
 * public physical network on the local bridge, the public IP range, and the admin's isolated
 * network `default` with its router. Instances created without `nics` join `default`.
 */
export async function ensureLocalCloudNetwork(client: KumoClient, zoneId: string, pub: LocalPublicNetwork, guestDevice = 'lo'): Promise<LocalCloudNetwork> {
  const phys = await client.listAll<Named & { zoneId: string; device: string }>('physical-networks');
  const inZone = phys.filter((p) => p.zoneId === zoneId);
  const guest = inZone.find((p) => p.name === 'guest');
  if (!guest) {
    await client.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: guestDevice, vniRange: { start: 10000, end: 19999 } });
  } else if (guest.device !== guestDevice) {
    // kumo up alone (loopback) and kumo up --hosts N (the namespaces' eth0) share one data directory.
    await client.update('physical-networks', guest.id, { device: guestDevice });
  }
  if (!inZone.some((p) => p.name === 'public')) {
    await client.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: pub.bridge, deviceKind: 'bridge' });
  }
  const ranges = await client.listAll<{ zoneId: string; cidr: string }>('public-ip-ranges');
  if (!ranges.some((r) => r.zoneId === zoneId && r.cidr === pub.cidr)) {
    await client.create('public-ip-ranges', { zoneId, cidr: pub.cidr, gateway: pub.gateway, startIp: pub.startIp, endIp: pub.endIp });
  }
  const existing = (await client.list<Named & { zoneId: string }>('networks', { name: 'default' })).items.find((n) => n.zoneId === zoneId);
  if (existing) return { networkId: existing.id, created: false };
  const net = await client.create<Named>('networks', { name: 'default', zoneId, cidr: '10.0.0.0/24', description: 'created by kumo up' });
  return { networkId: net.id, created: true };
}
