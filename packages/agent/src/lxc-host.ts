/**
 * A container host: the LXC driver next to the same image cache, pools and guest networking as a
 * QEMU host. An instance whose image is a root-fs tarball ('rootfs-tar') runs as a container: the
 * tarball is unpacked once per pool into a base (owners shifted into the containers' id map), the
 * container's root is an overlay over it, and its NICs become veths on the same bridges QEMU's
 * taps join (same MAC, so DHCP, security groups and metadata see the same guest).
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DriverError, type InstanceSpec, type NicSpec } from '@kumo/core';
import type { AgentMethods } from '@kumo/api';
import { LxcDriver, defaultIdMap, ensureRootfsBase } from '@kumo/driver-lxc';
import { ImageCache } from '@kumo/storage';
import { HostNetworkAgent, type HostNetworkSpec } from '@kumo/netagent';
import { QemuVolumeManager } from './qemu-volume-manager.ts';
import { SnapshotUploader } from './snapshot-upload.ts';
import type { QemuHostOptions } from './qemu-host.ts';

export type LxcHostOptions = Omit<QemuHostOptions, 'accel' | 'saveBandwidthBytesPerSec'>;

/** A VM's NIC as a container's: the tap's name becomes the veth's host end. */
export function containerNic(nic: NicSpec): NicSpec {
  return nic.attach.kind === 'tap' ? { ...nic, attach: { kind: 'veth', hostIfName: nic.attach.tap } } : nic;
}

/**
 * Layout under stateDir: lxc/ (containers), rootfs/ (unpacked bases), images/ (verified cache),
 * pools/local/, network/.
 */
export function createLxcHost(opts: LxcHostOptions) {
  for (const d of ['lxc', 'rootfs', 'images', 'pools/local', 'network']) mkdirSync(join(opts.stateDir, d), { recursive: true });
  const driver = new LxcDriver({ lxcPath: join(opts.stateDir, 'lxc') });
  const cache = new ImageCache({
    dir: join(opts.stateDir, 'images'), baseUrl: opts.serverUrl,
    authHeader: () => { const t = opts.token(); return t ? `Bearer ${t}` : undefined; },
  });
  const volumes = new QemuVolumeManager(cache, QemuVolumeManager.defaultLocalPool(opts.stateDir), {
    uploader: new SnapshotUploader(opts.serverUrl, opts.token), workDir: join(opts.stateDir, 'tmp', 'snapshots'),
  });

  const prepareStart = async (req: AgentMethods['instance.start']): Promise<InstanceSpec> => {
    const spec = req.spec;
    if (!req.image || req.image.format !== 'rootfs-tar') {
      throw new DriverError(`image: this host runs containers, which boot from a root-fs tarball image ('rootfs-tar'), got ${req.image ? `'${req.image.format}'` : 'none'}`, 'start_failed');
    }
    const cached = await volumes.ensureImage(req.image);
    const base = await ensureRootfsBase({ tarball: cached.path, baseDir: join(opts.stateDir, 'rootfs'), key: req.image.imageVersionId, idmap: defaultIdMap });
    return { ...spec, root: { kind: 'rootfs', path: base }, nics: spec.nics.map(containerNic), boot: {} };
  };

  const hostNetwork = new HostNetworkAgent({
    stateDir: join(opts.stateDir, 'network'), resyncIntervalMs: opts.networkResyncMs ?? 30_000, ...(opts.log ? { log: opts.log } : {}),
    ...(opts.netnsPrefix !== undefined ? { routerNetnsPrefix: opts.netnsPrefix } : {}),
  });
  const network = {
    apply: (spec: unknown) => hostNetwork.apply(spec as HostNetworkSpec), close: () => hostNetwork.close(),
    capabilities: () => hostNetwork.capabilities(),
  };

  return { driver, volumes, cache, prepareStart, network };
}
