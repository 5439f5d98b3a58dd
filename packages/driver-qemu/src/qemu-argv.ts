/**
 * InstanceSpec → QEMU command line. Pure: no I/O, no clock, no randomness; checked
 * by golden files in testdata/ (X.json must produce X.argv).
 *
 * Choices:
 * - `-S` always: the driver connects the serial console and wires taps before the
 *   first guest instruction runs, then sends `cont`.
 * - No `-daemonize`: the driver spawns QEMU detached (own session) with stdout and
 *   stderr going to qemu.log, so QEMU's runtime errors are kept, the process
 *   outlives the agent, and the driver reaps its own children.
 * - QMP and serial are unix-socket chardev servers with wait=off: the guest never
 *   blocks on a missing client; a re-started agent reconnects to both.
 * - The serial chardev also appends everything the guest prints to console.log
 *   (logfile=, logappend=on: O_APPEND, so the driver's rotation can truncate it),
 *   whether or not a client is connected: output while no agent runs is kept.
 * - Disks use -blockdev in JSON form, so file names never need QemuOpts escaping.
 * - TCG gets a bounded translation cache (tb-size): it is the bulk of QEMU's memory
 *   overhead above guest RAM, and the memory cgroup budgets ~100 MiB for it.
 * - The config drive (spec.configDrive; the driver builds <runDir>/cidata.iso) is a
 *   read-only raw virtio-blk disk, the last device on the command line: PCI slots
 *   are assigned in command-line order, so disks and NICs keep the slots (and the
 *   guest the names: vda…, enp0sN) they have without it, and a guest needs only
 *   virtio_blk and isofs to read it (a cdrom would need ahci/libata/sr_mod or
 *   virtio_scsi/sr_mod). OpenStack attaches its config drive the same way.
 */
import { DriverError, type InstanceSpec } from '@kumo/core';
import { configDriveFiles } from './config-drive-files.ts';
import { instanceDirPaths } from './instance-paths.ts';

export interface QemuArgvHost {
  accel: 'kvm' | 'tcg';
  /** Instance directory (sockets, pidfile). */
  runDir: string;
  /** Default q35. */
  machine?: 'q35' | 'pc';
  /** TCG translation cache in MiB. Default 64. */
  tcgTranslationCacheMiB?: number;
  /** Incoming migration URI for restore ('defer' = the driver sends migrate-incoming). */
  incoming?: string;
}

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IFNAME_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
const UNIX_PATH_MAX = 107;

function invalid(message: string): never {
  throw new DriverError(`invalid instance spec: ${message}`, 'start_failed');
}

/** QemuOpts values escape ',' by doubling it. */
function optValue(v: string): string {
  return v.replaceAll(',', ',,');
}

function checkSpec(spec: InstanceSpec, host: QemuArgvHost): void {
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1 || spec.vcpus > 288) invalid(`vcpus ${spec.vcpus}`);
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 16) invalid(`memoryMiB ${spec.memoryMiB}`);
  if (!spec.name) invalid('empty name');
  const seen = new Set<number>();
  for (const d of spec.disks) {
    if (!d.path.startsWith('/')) invalid(`disk ${d.volumeId}: path must be absolute (${d.path})`);
    if (!Number.isInteger(d.index) || d.index < 0) invalid(`disk ${d.volumeId}: index ${d.index}`);
    if (seen.has(d.index)) invalid(`two disks with index ${d.index}`);
    seen.add(d.index);
  }
  const taps = new Set<string>();
  for (const n of spec.nics) {
    if (!MAC_PATTERN.test(n.mac)) invalid(`nic ${n.nicId}: mac ${n.mac}`);
    if ((parseInt(n.mac.slice(0, 2), 16) & 1) === 1) invalid(`nic ${n.nicId}: multicast mac ${n.mac}`);
    if (!IFNAME_PATTERN.test(n.tap)) invalid(`nic ${n.nicId}: tap name ${n.tap}`);
    if (taps.has(n.tap)) invalid(`tap ${n.tap} used twice`);
    taps.add(n.tap);
    if (n.mtu !== undefined && (!Number.isInteger(n.mtu) || n.mtu < 68 || n.mtu > 65535)) invalid(`nic ${n.nicId}: mtu ${n.mtu}`);
  }
  const { kernelPath, initrdPath, cmdline } = spec.boot;
  if (kernelPath === undefined && (initrdPath !== undefined || cmdline !== undefined)) invalid('initrd/cmdline without kernel');
  if (kernelPath === undefined && spec.disks.length === 0) invalid('nothing to boot: no kernel and no disk');
  if (spec.configDrive !== undefined) configDriveFiles(spec.configDrive);
  if (host.runDir.includes(',')) invalid(`run directory contains a comma: ${host.runDir}`);
  const p = instanceDirPaths(host.runDir);
  for (const sock of [p.qmpSocket, p.serialSocket]) {
    if (Buffer.byteLength(sock) > UNIX_PATH_MAX) invalid(`socket path too long for a unix socket: ${sock}`);
  }
}

export function buildQemuArgv(spec: InstanceSpec, host: QemuArgvHost): string[] {
  checkSpec(spec, host);
  const p = instanceDirPaths(host.runDir);
  const argv: string[] = [];
  const add = (...a: string[]): void => {
    argv.push(...a);
  };

  add('-name', `guest=${optValue(spec.name)},process=kumo-${spec.instanceId},debug-threads=on`);
  add('-no-user-config', '-nodefaults');
  add('-machine', `${host.machine ?? 'q35'}`);
  if (host.accel === 'kvm') {
    add('-accel', 'kvm', '-cpu', 'host');
  } else {
    add('-accel', `tcg,tb-size=${host.tcgTranslationCacheMiB ?? 64}`, '-cpu', 'qemu64');
  }
  add('-smp', String(spec.vcpus));
  add('-m', String(spec.memoryMiB));
  add('-display', 'none');
  add('-rtc', 'base=utc');
  add('-chardev', `socket,id=qmp,path=${p.qmpSocket},server=on,wait=off`);
  add('-mon', 'chardev=qmp,mode=control');
  add('-chardev', `socket,id=serial0,path=${p.serialSocket},server=on,wait=off,logfile=${p.consoleLog},logappend=on`);
  add('-serial', 'chardev:serial0');
  add('-pidfile', p.pidFile);
  add('-S');

  if (spec.boot.kernelPath !== undefined) {
    add('-kernel', spec.boot.kernelPath);
    if (spec.boot.initrdPath !== undefined) add('-initrd', spec.boot.initrdPath);
    if (spec.boot.cmdline !== undefined) add('-append', spec.boot.cmdline);
  }

  for (const d of [...spec.disks].sort((a, b) => a.index - b.index)) {
    const node = `disk${d.index}`;
    const readOnly = d.readOnly === true;
    add('-blockdev', JSON.stringify({
      'node-name': node,
      driver: d.format,
      'read-only': readOnly,
      discard: 'unmap',
      file: { driver: 'file', filename: d.path, 'read-only': readOnly, discard: 'unmap' },
    }));
    const serial = d.volumeId.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 20);
    let dev = `virtio-blk-pci,id=virtio-${node},drive=${node}`;
    if (serial) dev += `,serial=${serial}`;
    if (d.index === 0 && spec.boot.kernelPath === undefined) dev += ',bootindex=0';
    add('-device', dev);
  }

  if (spec.nics.length === 0) {
    add('-nic', 'none');
  }
  spec.nics.forEach((n, i) => {
    add('-netdev', `tap,id=net${i},ifname=${n.tap},script=no,downscript=no`);
    let dev = `virtio-net-pci,id=nic${i},netdev=net${i},mac=${n.mac.toLowerCase()}`;
    if (n.mtu !== undefined) dev += `,host_mtu=${n.mtu}`;
    add('-device', dev);
  });

  if (spec.configDrive !== undefined) {
    add('-blockdev', JSON.stringify({
      'node-name': 'cidata',
      driver: 'raw',
      'read-only': true,
      file: { driver: 'file', filename: p.configDrive, 'read-only': true },
    }));
    add('-device', 'virtio-blk-pci,id=virtio-cidata,drive=cidata,serial=cidata');
  }

  if (host.incoming !== undefined) add('-incoming', host.incoming);
  return argv;
}
