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
 * - Disks are built by disk-blockdev.ts (throttle group + throttle filter + format +
 *   file/rbd nodes named after the volume id), the same objects hot-plug adds over QMP.
 * - Data-disk slots (0x11–0x1d) on q35 each hold a pcie-root-port with the disk behind
 *   it, because q35's root complex refuses hot-plug (hotplug-ports.ts); on pc the disks
 *   sit on pci.0 itself, which has ACPI hot-plug.
 * - The CD-ROM (spec.cdrom) is an ide-cd on ide.1, the chipset's IDE/AHCI (cdrom-drive.ts);
 *   firmware boot order by bootindex: the root disk first unless spec.boot.order is 'cdrom'.
 * - Every other device has an explicit address on the root bus (`bus=pcie.0` on q35,
 *   `pci.0` on pc; `addr=` the slot from the spec) and every disk its serial: the
 *   slots are allocated once by the server and stored with the disk or NIC
 *   (core devices/device-layout.ts, docs/architecture.md#device-layout), so detaching one
 *   disk does not move the others, and a restart, a restore or a migration target
 *   builds the same machine. Nothing depends on command-line order any more.
 * - The root disk (spec.root, slot 0x10) is below every data disk, so the guest
 *   names it vda; the config drive (spec.configDrive; the driver builds
 *   <runDir>/cidata.iso) is a read-only raw virtio-blk disk at the fixed slot 0x1e,
 *   above every disk, so it never takes vda, and a guest needs only virtio_blk and
 *   isofs to read it (a cdrom would need ahci/libata/sr_mod or virtio_scsi/sr_mod).
 *   OpenStack attaches its config drive the same way.
 * - spec.guest (firmware, root-disk bus, NIC model, Windows, TPM, driver ISO) is rendered by
 *   qemu-argv-guest.ts; without it the argv is SeaBIOS, virtio and a UTC clock.
 * - The graphical console (qemu-argv-display.ts: VGA at 0x05, VNC on a Unix socket) and the guest
 *   agent channel (qemu-argv-guest-agent.ts: virtio-serial at 0x03) come from their own files.
 * - A root file system (containers) or a veth NIC is refused: QEMU boots disks and
 *   attaches taps.
 */
import {
  diskSerialPattern, DriverError, fixedPciSlots, formatPciSlot, maxPciSlot, reservedPciSlots,
  type DiskSpec, type InstanceSpec, type NicSpec,
} from '@kumo/core';
import { cdromBlockdev, cdromDevice } from './cdrom-drive.ts';
import { configDriveFiles } from './config-drive-files.ts';
import { deviceOption, diskBlockdev, diskDeviceProps, throttleGroupObject } from './disk-blockdev.ts';
import { diskBusAddress, hotplugRootPorts, rootBusOf } from './hotplug-ports.ts';
import { instanceDirPaths } from './instance-paths.ts';
import { smbiosArgv } from './qemu-argv-smbios.ts';
import {
  checkGuestHardware, driverCdromArgs, firmwareArgs, kvmCpuOption, machineOption, nicDriver, rootDiskDeviceArgs, rtcOption,
  type OvmfFiles,
} from './qemu-argv-guest.ts';
import { displayArgv } from './qemu-argv-display.ts';
import { guestAgentArgv } from './qemu-argv-guest-agent.ts';

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
  /** This host's OVMF files (UEFI guests need them; qemu-argv-guest.ts). */
  ovmf?: OvmfFiles;
}

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IFNAME_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
const UNIX_PATH_MAX = 107;

function invalid(message: string): never {
  throw new DriverError(`invalid instance spec: ${message}`, 'start_failed');
}

function unsupported(message: string): never {
  throw new DriverError(`unsupported instance spec: ${message}`, 'start_failed');
}

/** QemuOpts values escape ',' by doubling it. */
function optValue(v: string): string {
  return v.replaceAll(',', ',,');
}

/** The spec's disks with the root first; refuses what QEMU cannot boot. */
function disksOf(spec: InstanceSpec): DiskSpec[] {
  if (spec.root?.kind === 'rootfs') unsupported(`root file system ${spec.root.path}: the QEMU driver boots disk images (a rootfs is for a container driver)`);
  return spec.root ? [spec.root.disk, ...spec.disks] : [...spec.disks];
}

function tapOf(n: NicSpec): string {
  if (n.attach.kind !== 'tap') unsupported(`nic ${n.nicId} attaches as ${n.attach.kind}: the QEMU driver attaches NICs as taps`);
  return n.attach.tap;
}

const RBD_NAME = /^[A-Za-z0-9_.@-]{1,100}$/;

/**
 * One disk of a spec, also checked before a hot-plug (QemuDriver.attachDisk). Throws a DriverError
 * with code 'start_failed'; hot-plug re-codes it.
 */
/** The balloon device's id: QOM path /machine/peripheral/<id> (instance-metrics.ts reads its guest-stats). */
export const memoryBalloonId = 'balloon0';

export function checkDisk(d: DiskSpec): void {
  if (d.volumeId === '') invalid('disk with an empty volume id');
  if (!d.rbd && !d.path.startsWith('/')) invalid(`disk ${d.volumeId}: path must be absolute (${d.path})`);
  if (!diskSerialPattern.test(d.serial)) invalid(`disk ${d.volumeId}: serial ${JSON.stringify(d.serial)} must be 1–20 of [A-Za-z0-9_.-]`);
  if (d.format !== 'qcow2' && d.format !== 'raw') invalid(`disk ${d.volumeId}: format ${String(d.format)}`);
  if (d.rbd) {
    const { pool, image, user, cephConf } = d.rbd;
    if (d.format !== 'raw') invalid(`disk ${d.volumeId}: an RBD disk is raw (format ${d.format})`);
    for (const [k, v] of Object.entries({ pool, image, user })) if (!RBD_NAME.test(v)) invalid(`disk ${d.volumeId}: rbd ${k} ${JSON.stringify(v)}`);
    if (!cephConf.startsWith('/')) invalid(`disk ${d.volumeId}: rbd cephConf must be absolute (${cephConf})`);
  }
  for (const [k, v] of Object.entries(d.limits ?? {})) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) invalid(`disk ${d.volumeId}: limits.${k} must be a positive integer (${String(v)})`);
  }
}

function checkSpec(spec: InstanceSpec, host: QemuArgvHost): void {
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1 || spec.vcpus > 288) invalid(`vcpus ${spec.vcpus}`);
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 16) invalid(`memoryMiB ${spec.memoryMiB}`);
  if (!spec.name) invalid('empty name');
  const slots = new Map<number, string>(reservedPciSlots.map((s) => [s, 'reserved']));
  const claim = (slot: number, who: string): void => {
    if (!Number.isInteger(slot) || slot < 0 || slot > maxPciSlot) invalid(`${who}: pciSlot ${slot} is not a slot 0x00–0x1f`);
    const holder = slots.get(slot);
    if (holder !== undefined) invalid(`${who}: pciSlot ${formatPciSlot(slot)} is already taken by ${holder}`);
    slots.set(slot, who);
  };
  if (spec.configDrive !== undefined) claim(fixedPciSlots.configDrive, 'the config drive');
  // Fixed roles whether or not this guest uses them: a disk or NIC never sits where a display or the
  // guest agent channel appears after an image property or the instance changes.
  claim(fixedPciSlots.display, 'the display');
  claim(fixedPciSlots.guestAgentSerial, 'the guest agent channel');
  const serials = new Set<string>();
  const volumes = new Set<string>();
  for (const d of disksOf(spec)) {
    checkDisk(d);
    if (volumes.has(d.volumeId)) invalid(`disk ${d.volumeId}: volume used twice`);
    volumes.add(d.volumeId);
    if (serials.has(d.serial)) invalid(`disk ${d.volumeId}: serial ${d.serial} used twice`);
    serials.add(d.serial);
    claim(d.pciSlot, `disk ${d.volumeId}`);
  }
  const taps = new Set<string>();
  for (const n of spec.nics) {
    if (!MAC_PATTERN.test(n.mac)) invalid(`nic ${n.nicId}: mac ${n.mac}`);
    if ((parseInt(n.mac.slice(0, 2), 16) & 1) === 1) invalid(`nic ${n.nicId}: multicast mac ${n.mac}`);
    const tap = tapOf(n);
    if (!IFNAME_PATTERN.test(tap)) invalid(`nic ${n.nicId}: tap name ${tap}`);
    if (taps.has(tap)) invalid(`tap ${tap} used twice`);
    taps.add(tap);
    if (n.mtu !== undefined && (!Number.isInteger(n.mtu) || n.mtu < 68 || n.mtu > 65535)) invalid(`nic ${n.nicId}: mtu ${n.mtu}`);
    claim(n.pciSlot, `nic ${n.nicId}`);
  }
  const { kernelPath, initrdPath, cmdline } = spec.boot;
  if (kernelPath === undefined && (initrdPath !== undefined || cmdline !== undefined)) invalid('initrd/cmdline without kernel');
  if (kernelPath === undefined && spec.root === undefined) invalid('nothing to boot: no kernel and no root disk');
  if (spec.configDrive !== undefined) configDriveFiles(spec.configDrive);
  if (spec.cdrom?.iso !== undefined && !spec.cdrom.iso.path.startsWith('/')) invalid(`cdrom: iso path must be absolute (${spec.cdrom.iso.path})`);
  if (spec.boot.order === 'cdrom' && spec.cdrom === undefined) invalid('boot order cdrom without a cdrom drive');
  checkGuestHardware(spec, host.machine ?? 'q35', host.ovmf);
  if (host.runDir.includes(',')) invalid(`run directory contains a comma: ${host.runDir}`);
  const p = instanceDirPaths(host.runDir);
  for (const sock of [p.qmpSocket, p.serialSocket, p.vncSocket, p.guestAgentSocket]) {
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
  add('-machine', machineOption(host.machine ?? 'q35', spec.guest));
  if (host.accel === 'kvm') {
    add('-accel', 'kvm', '-cpu', kvmCpuOption(spec.guest));
  } else {
    add('-accel', `tcg,tb-size=${host.tcgTranslationCacheMiB ?? 64}`, '-cpu', 'qemu64');
  }
  add('-smp', String(spec.vcpus));
  add('-m', String(spec.memoryMiB));
  add('-display', 'none');
  add('-rtc', rtcOption(spec.guest));
  add(...smbiosArgv(spec.smbios));
  add('-chardev', `socket,id=qmp,path=${p.qmpSocket},server=on,wait=off`);
  add('-mon', 'chardev=qmp,mode=control');
  add('-chardev', `socket,id=serial0,path=${p.serialSocket},server=on,wait=off,logfile=${p.consoleLog},logappend=on`);
  add('-serial', 'chardev:serial0');
  add('-pidfile', p.pidFile);
  add('-S');
  add(...firmwareArgs(spec, host.runDir, host.ovmf));
  const machine = host.machine ?? 'q35';
  const bus = rootBusOf(machine);
  const at = (slot: number): string => `bus=${bus},addr=${formatPciSlot(slot)}`;
  const pieces = [displayArgv(spec, p, at), guestAgentArgv(spec, p, at)];
  for (const piece of pieces) add(...piece.options);

  if (spec.boot.kernelPath !== undefined) {
    add('-kernel', spec.boot.kernelPath);
    if (spec.boot.initrdPath !== undefined) add('-initrd', spec.boot.initrdPath);
    if (spec.boot.cmdline !== undefined) add('-append', spec.boot.cmdline);
  }

  // Devices in slot order: the command line reads like the guest's lspci.
  const devices: Array<{ slot: number; args: string[] }> = [];
  for (const port of hotplugRootPorts(machine)) devices.push({ slot: port.slot, args: ['-device', port.device] });
  const rootDisk = spec.root?.kind === 'disk' ? spec.root.disk : undefined;
  const firmwareBoots = spec.boot.kernelPath === undefined;
  const cdromFirst = spec.cdrom !== undefined && spec.boot.order === 'cdrom';
  for (const d of disksOf(spec)) {
    const bootindex = d === rootDisk && firmwareBoots ? (cdromFirst ? 1 : 0) : undefined;
    devices.push({
      slot: d.pciSlot,
      args: [
        '-object', JSON.stringify(throttleGroupObject(d)),
        '-blockdev', JSON.stringify(diskBlockdev(d)),
        ...(d === rootDisk
          ? rootDiskDeviceArgs(spec.guest, machine, d, diskBusAddress(machine, d.pciSlot), bootindex)
          : ['-device', deviceOption(diskDeviceProps(d, diskBusAddress(machine, d.pciSlot), bootindex))]),
      ],
    });
  }
  for (const n of spec.nics) {
    const id = n.pciSlot.toString(16).padStart(2, '0');
    const model = nicDriver(spec.guest);
    let dev = `${model},id=nic${id},netdev=net${id},mac=${n.mac.toLowerCase()},${at(n.pciSlot)}`;
    if (n.mtu !== undefined && model === 'virtio-net-pci') dev += `,host_mtu=${n.mtu}`;
    devices.push({ slot: n.pciSlot, args: ['-netdev', `tap,id=net${id},ifname=${tapOf(n)},script=no,downscript=no`, '-device', dev] });
  }
  if (spec.configDrive !== undefined) {
    devices.push({
      slot: fixedPciSlots.configDrive,
      args: ['-blockdev', JSON.stringify({
        'node-name': 'cidata',
        driver: 'raw',
        'read-only': true,
        file: { driver: 'file', filename: p.configDrive, 'read-only': true },
      }), '-device', `virtio-blk-pci,id=virtio-cidata,drive=cidata,${at(fixedPciSlots.configDrive)},serial=cidata`],
    });
  }
  if (spec.memoryBalloon === true) {
    // In the platform reserve, which no disk or NIC can take.
    devices.push({ slot: fixedPciSlots.memoryBalloon, args: ['-device', `virtio-balloon-pci,id=${memoryBalloonId},${at(fixedPciSlots.memoryBalloon)}`] });
  }
  for (const piece of pieces) devices.push(...piece.devices);
  if (spec.nics.length === 0) add('-nic', 'none');
  for (const d of devices.sort((x, y) => x.slot - y.slot)) add(...d.args);
  if (spec.cdrom !== undefined) {
    // After the PCI devices: the drive is on the chipset's IDE/AHCI function (cdrom-drive.ts).
    const iso = cdromBlockdev(spec.cdrom);
    if (iso) add('-blockdev', JSON.stringify(iso));
    add('-device', cdromDevice(spec.cdrom, firmwareBoots ? (cdromFirst ? 0 : rootDisk ? 1 : 0) : undefined));
  }
  add(...driverCdromArgs(spec.guest, machine));

  if (host.incoming !== undefined) add('-incoming', host.incoming);
  return argv;
}
