import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DriverError, type InstanceSpec } from '@kumo/core';
import type { AgentMethods } from '@kumo/api';
import { QemuDriver } from '@kumo/driver-qemu';
import { ImageCache } from '@kumo/storage';
import { HostNetworkAgent, type HostNetworkSpec } from '@kumo/netagent';
import type { IsoFetcher } from './cdrom-iso.ts';
import { QemuVolumeManager } from './qemu-volume-manager.ts';
import { SnapshotUploader } from './snapshot-upload.ts';

export interface QemuHostOptions {
  stateDir: string;
  serverUrl: string;
  /** The host's current credentials, for image downloads. */
  token: () => string | undefined;
  accel?: 'kvm' | 'tcg' | 'auto';
  /** Throttle saves' memory streams (bytes/s); default unlimited. */
  saveBandwidthBytesPerSec?: number;
  /** How often guest networking re-applies its last spec (drift repair); default 30 s. */
  networkResyncMs?: number;
  /** Names of router and DHCP-server namespaces (default "kr-"); distinct per agent when several share one machine. */
  netnsPrefix?: string;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

/**
 * A real host: the QEMU driver, directory pools and the image cache, wired for the agent.
 * Layout under stateDir: instances/ (QEMU state), images/ (verified cache), pools/local/,
 * tmp/snapshots/ (snapshots on their way to the image store).
 */
export function createQemuHost(opts: QemuHostOptions) {
  for (const d of ['instances', 'images', 'pools/local', 'network']) mkdirSync(join(opts.stateDir, d), { recursive: true });
  const driver = new QemuDriver({
    stateDir: join(opts.stateDir, 'instances'), accel: opts.accel ?? 'auto',
    ...(opts.saveBandwidthBytesPerSec ? { saveBandwidthBytesPerSec: opts.saveBandwidthBytesPerSec } : {}),
  });
  const cache = new ImageCache({
    dir: join(opts.stateDir, 'images'), baseUrl: opts.serverUrl,
    authHeader: () => { const t = opts.token(); return t ? `Bearer ${t}` : undefined; },
  });
  const volumes = new QemuVolumeManager(cache, QemuVolumeManager.defaultLocalPool(opts.stateDir), {
    driver, uploader: new SnapshotUploader(opts.serverUrl, opts.token), workDir: join(opts.stateDir, 'tmp', 'snapshots'),
  });

  /** Boot files for kernel+initrd images come from the cache; the guest learns its name and id from the command line. */
  const prepareStart = async (req: AgentMethods['instance.start']): Promise<InstanceSpec> => {
    const spec = req.spec;
    if (!req.image || req.image.format !== 'kernel-initrd') return spec;
    const cached = await volumes.ensureImage(req.image);
    if (cached.format !== 'kernel-initrd') return spec;
    const cmdline = [cached.cmdline ?? spec.boot.cmdline ?? 'console=ttyS0', `kumo_hostname=${spec.name}`, `kumo_instance=${spec.instanceId}`].join(' ');
    return { ...spec, boot: { kernelPath: cached.kernel, initrdPath: cached.initrd, cmdline } };
  };

  /** CD-ROM ISOs come from the image cache like every image (verified by sha256). */
  const fetchIso: IsoFetcher = async (ref) => {
    const cached = await volumes.ensureImage(ref);
    if (cached.format !== 'iso') throw new DriverError(`image ${ref.imageVersionId} is ${cached.format}, not an ISO`, 'invalid_state');
    return { path: cached.path, imageVersionId: ref.imageVersionId };
  };

  // Guest networking: re-applies its last spec every 30 s (by default), which repairs drift (a deleted
  // nft table, a killed dnsmasq, a removed bridge) even while the server is unreachable.
  const hostNetwork = new HostNetworkAgent({
    stateDir: join(opts.stateDir, 'network'), resyncIntervalMs: opts.networkResyncMs ?? 30_000, ...(opts.log ? { log: opts.log } : {}),
    ...(opts.netnsPrefix !== undefined ? { routerNetnsPrefix: opts.netnsPrefix } : {}),
  });
  const network = {
    apply: (spec: unknown) => hostNetwork.apply(spec as HostNetworkSpec), close: () => hostNetwork.close(),
    capabilities: () => hostNetwork.capabilities(),
  };

  return { driver, volumes, cache, prepareStart, fetchIso, network };
}
