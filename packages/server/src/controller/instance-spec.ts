import { kumoSmbiosSystem, type DiskSpec, type InstanceSpec } from '@kumo/core';
import type { ImageRef } from '@kumo/api';
import type { InstanceRow, Repos } from '@kumo/db';
import { networkBridgeName, parseCidr } from '@kumo/netcfg';
import { renderConfigDrive } from '../services/config-drive.ts';
import { dhcpServerIpOf } from '../services/network-dhcp-server.ts';
import { hostnameOf } from '../services/instance-hostname.ts';
import { imageRefOf } from '../services/image-ref.ts';
import { guestHardwareOfImage } from '../services/image-properties.ts';
import { TerminalError } from './errors.ts';
import { diskSpecOf } from './volume-host.ts';

export { volumePath } from '../services/volume-placement.ts';

/** Name of the tap for NIC n of an instance (IFNAMSIZ is 15 chars). */
export function tapName(instanceId: string, n: number): string {
  return `kt${instanceId.slice(-10)}${n}`.slice(0, 15);
}

/**
 * The desired spec an agent gets for an instance: everything it needs, nothing from the database.
 * `image` is what the root disk is made from (null for an ISO install: a blank disk); `iso` is the
 * ISO in the instance's CD-ROM drive (spec.cdrom), which the agent fetches and fills in.
 */
export async function buildInstanceSpec(repos: Repos, inst: InstanceRow): Promise<{ spec: InstanceSpec; image: ImageRef | null; iso: ImageRef | null }> {
  const db = repos.db;
  const [volumes, offering, version, nics, image] = await Promise.all([
    db.selectFrom('volumes').selectAll().where('instanceId', '=', inst.id).orderBy('pciSlot').execute(),
    db.selectFrom('offerings').selectAll().where('id', '=', inst.offeringId).executeTakeFirstOrThrow(),
    db.selectFrom('imageVersions').selectAll().where('id', '=', inst.imageVersionId).executeTakeFirstOrThrow(),
    db.selectFrom('nics').innerJoin('networks', 'networks.id', 'nics.networkId')
      .select(['nics.id', 'nics.mac', 'nics.ip', 'nics.deviceIndex', 'nics.pciSlot', 'nics.networkId', 'networks.mtu', 'networks.cidr', 'networks.gateway', 'networks.kind', 'networks.rangeEnd', 'networks.dnsDomain'])
      .where('nics.instanceId', '=', inst.id).orderBy('nics.deviceIndex').execute(),
    inst.imageId ? db.selectFrom('images').selectAll().where('id', '=', inst.imageId).executeTakeFirst() : Promise.resolve(undefined),
  ]);
  // The image's properties (firmware, buses, OS): an ISO install gets its ISO's.
  const guest = image ? guestHardwareOfImage(image) : undefined;
  // Addresses come from the rows, where they were fixed at attach time: never recomputed here.
  // RBD volumes carry their Ceph source (from the pool row), every disk its offering's I/O limits.
  const disks = await Promise.all(volumes.map((v): Promise<DiskSpec> => {
    if (v.pciSlot === null) throw new TerminalError('operation_failed', `volume ${v.id} is attached to ${inst.id} without a PCI slot (every attached volume gets one when it is attached)`);
    return diskSpecOf(repos, v, v.pciSlot);
  }));
  const rootVolume = volumes.findIndex((v) => v.kind === 'root');
  const rootDisk = disks[rootVolume];
  const keypair = inst.configDrive === 1 && inst.keypairId ? await db.selectFrom('keypairs').select('publicKey').where('id', '=', inst.keypairId).executeTakeFirst() : undefined;
  const spec: InstanceSpec = {
    instanceId: inst.id,
    name: inst.name,
    vcpus: inst.vcpus,
    memoryMiB: inst.memoryMiB,
    ...(rootDisk ? { root: { kind: 'disk', disk: rootDisk } } : {}),
    disks: disks.filter((d) => d !== rootDisk),
    nics: nics.map((n) => ({
      nicId: n.id, mac: n.mac, attach: { kind: 'tap', tap: tapName(inst.id, n.deviceIndex) }, pciSlot: n.pciSlot,
      bridge: networkBridgeName(n.networkId), mtu: n.mtu,
    })),
    boot: { ...(version.format === 'kernel-initrd' ? { cmdline: version.cmdline } : {}), ...(inst.bootDevice === 'cdrom' ? { order: 'cdrom' as const } : {}) },
    ...(inst.cdrom === 1 ? { cdrom: {} } : {}),
    stopTimeoutSec: offering.stopTimeoutSec,
    ...(inst.ha === 1 ? { ha: true } : {}),
    ...(inst.memoryBalloon === 1 ? { memoryBalloon: true } : {}),
    // null: the driver decides by how the guest boots (firmware: a display; a kernel bundle: none).
    ...(inst.graphicalConsole === 1 || inst.graphicalConsole === 0 ? { graphicalConsole: inst.graphicalConsole === 1 } : {}),
    cpuQuota: offering.qosClass === 'guaranteed' ? 1 : 0.5,
    // cloud-init finds the metadata service by the SMBIOS serial; a config drive is the explicit
    // alternative, so such guests read only the drive (NoCloud's local mode).
    smbios: kumoSmbiosSystem(inst.configDrive !== 1),
    ...(guest ? { guest } : {}),
    ...(inst.configDrive === 1 ? {
      configDrive: renderConfigDrive({
        instanceId: inst.id, hostname: hostnameOf(inst.name), publicKeys: keypair ? [keypair.publicKey] : [], userData: inst.userData,
        nics: nics.map((n) => ({
          mac: n.mac, ip: n.ip, prefix: parseCidr(n.cidr).prefix, gateway: n.gateway, mtu: n.mtu,
          dnsServers: [dhcpServerIpOf(n) ?? n.gateway], searchDomain: n.dnsDomain,
        })),
      }),
    } : {}),
  };
  const isoVersion = inst.cdrom === 1 && inst.cdromImageVersionId
    ? await db.selectFrom('imageVersions').selectAll().where('id', '=', inst.cdromImageVersionId).executeTakeFirst() : undefined;
  return { spec, image: version.format === 'iso' ? null : imageRefOf(version), iso: isoVersion ? imageRefOf(isoVersion) : null };
}
