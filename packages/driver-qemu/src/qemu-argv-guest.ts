/**
 * The argv pieces for spec.guest (pure): firmware, root-disk bus, NIC model, Windows quirks, TPM and
 * the driver CD-ROM. qemu-argv.ts calls these hooks; each returns nothing when spec.guest leaves its
 * field at the default, so specs without guest hardware render exactly as before.
 *
 * - Firmware: SeaBIOS (QEMU's default, no arguments). UEFI: OVMF as two pflash devices, the CODE
 *   read-only from the host's ovmf package and the VARS (the EFI variables: boot entries, Secure Boot
 *   keys) a per-instance copy in the instance directory (efi-vars.fd), made from the package's
 *   template by the driver at the first start and kept across restarts. A live migration carries the
 *   flash contents in its stream (QEMU writes them back to the target's VARS file on completion).
 *   Secure Boot: OVMF_CODE_4M.secboot.fd with SMM (q35 only; the flash is then only writable from
 *   SMM) and the VARS template with Microsoft's keys enrolled.
 * - Root-disk bus: virtio-blk at slot 0x10 (default); virtio-scsi as a scsi-hd on a virtio-scsi
 *   controller at slot 0x04 (taken from the platform range 0x02–0x07 that device-layout.ts reserves
 *   for it); SATA as an ide-hd on ide.0 (q35: the ICH9 AHCI port 0 at 0x1f; pc: the PIIX IDE primary
 *   master at 0x01) — no slot of its own. Data disks stay virtio-blk (hot-plug).
 * - NIC model: virtio-net-pci (default) or e1000 at the NIC's stored slot (host_mtu is virtio-only).
 * - Windows: RTC in local time; on KVM the Hyper-V enlightenments (relaxed, vapic, spinlocks, time,
 *   vpindex, synic, stimer, reset, frequencies). TCG has no Hyper-V emulation, so none there.
 * - TPM 2.0: tpm-tis (an ISA device, no PCI slot) over the swtpm control socket in the instance
 *   directory; swtpm-process.ts starts swtpm before QEMU.
 * - Driver ISO: a second ide-cd (id cdrom1) on ide.2 (q35: AHCI port 2; pc: the secondary
 *   channel's slave, ide.1 unit 1), never booted from.
 */
import { DriverError, guestHardwareProblems, type DiskSpec, type GuestHardwareSpec, type InstanceSpec } from '@kumo/core';
import { deviceOption, diskDeviceProps, type DiskBusAddress } from './disk-blockdev.ts';
import type { MachineType } from './hotplug-ports.ts';
import { instanceDirPaths } from './instance-paths.ts';

/** OVMF files on this host (Debian's ovmf package; host-firmware.ts finds them). */
export interface OvmfFiles {
  code: string;
  varsTemplate: string;
  /** The Secure Boot variant (needs SMM); absent where the package has none. */
  secureCode?: string;
  /** VARS with Microsoft's Secure Boot keys enrolled. */
  secureVarsTemplate?: string;
}

/** Slot of the virtio-scsi controller (platform range 0x02–0x07, see device-layout.ts). */
export const virtioScsiSlot = 0x04;
export const driverCdromId = 'cdrom1';
export const driverIsoNode = 'drivers-iso';

const hypervEnlightenments = ['hv_relaxed', 'hv_vapic', 'hv_spinlocks=0x1fff', 'hv_time', 'hv_vpindex', 'hv_synic', 'hv_stimer', 'hv_reset', 'hv_frequencies'];

function invalid(message: string): never {
  throw new DriverError(`invalid instance spec: ${message}`, 'start_failed');
}

/** Refuses contradictions and what this host cannot render (no OVMF, Secure Boot on pc). */
export function checkGuestHardware(spec: InstanceSpec, machine: MachineType, ovmf: OvmfFiles | undefined): void {
  const g = spec.guest;
  if (g === undefined) return;
  const problems = guestHardwareProblems(g);
  if (problems.length > 0) invalid(`guest: ${problems.join('; ')}`);
  if (g.firmware === 'uefi' && ovmf === undefined) invalid('guest.firmware uefi: no OVMF firmware on this host (install Debian\'s ovmf package)');
  if (g.secureBoot === true) {
    if (machine !== 'q35') invalid('guest.secureBoot needs the q35 machine (SMM)');
    if (ovmf?.secureCode === undefined || ovmf.secureVarsTemplate === undefined) invalid('guest.secureBoot: this host\'s OVMF has no Secure Boot variant (OVMF_CODE_4M.secboot.fd)');
  }
}

/** The CODE file and the VARS template a UEFI guest boots with. */
export function ovmfFilesFor(g: GuestHardwareSpec | undefined, ovmf: OvmfFiles): { code: string; varsTemplate: string } {
  if (g?.secureBoot === true && ovmf.secureCode !== undefined && ovmf.secureVarsTemplate !== undefined) {
    return { code: ovmf.secureCode, varsTemplate: ovmf.secureVarsTemplate };
  }
  return { code: ovmf.code, varsTemplate: ovmf.varsTemplate };
}

/** -machine value: the type, plus SMM and the pflash nodes for UEFI. */
export function machineOption(machine: MachineType, g: GuestHardwareSpec | undefined): string {
  if (g?.firmware !== 'uefi') return machine;
  return `${machine}${g.secureBoot === true ? ',smm=on' : ''},pflash0=ovmf-code,pflash1=ovmf-vars`;
}

/** -cpu value for KVM ('host', with Hyper-V enlightenments for Windows). */
export function kvmCpuOption(g: GuestHardwareSpec | undefined): string {
  return g?.osType === 'windows' ? ['host', ...hypervEnlightenments].join(',') : 'host';
}

/** -rtc value: Windows keeps the RTC in local time. */
export function rtcOption(g: GuestHardwareSpec | undefined): string {
  return g?.osType === 'windows' ? 'base=localtime,driftfix=slew' : 'base=utc';
}

/** Firmware and TPM arguments (after -S, before the devices). */
export function firmwareArgs(spec: InstanceSpec, runDir: string, ovmf: OvmfFiles | undefined): string[] {
  const g = spec.guest;
  const out: string[] = [];
  if (g?.firmware === 'uefi' && ovmf !== undefined) {
    const files = ovmfFilesFor(g, ovmf);
    const p = instanceDirPaths(runDir);
    out.push('-blockdev', JSON.stringify({
      'node-name': 'ovmf-code', driver: 'raw', 'read-only': true,
      file: { driver: 'file', filename: files.code, 'read-only': true },
    }));
    out.push('-blockdev', JSON.stringify({
      'node-name': 'ovmf-vars', driver: 'raw', 'read-only': false,
      file: { driver: 'file', filename: p.efiVars, 'read-only': false },
    }));
    if (g.secureBoot === true) out.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  }
  if (g?.tpm === true) {
    const p = instanceDirPaths(runDir);
    out.push('-chardev', `socket,id=chrtpm,path=${p.tpmSocket}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis,tpmdev=tpm0');
  }
  return out;
}

/** Arguments of the root disk's device on the image's bus (virtio-blk: the usual props). */
export function rootDiskDeviceArgs(g: GuestHardwareSpec | undefined, machine: MachineType, d: DiskSpec, at: DiskBusAddress, bootindex: number | undefined): string[] {
  // id, drive, serial, werror/rerror and bootindex are the same on every bus.
  const props = diskDeviceProps(d, at, bootindex);
  const { driver: _driver, bus: _bus, addr: _addr, ...rest } = props;
  if (g?.diskBus === 'virtio-scsi') {
    const bus = machine === 'q35' ? 'pcie.0' : 'pci.0';
    return [
      '-device', `virtio-scsi-pci,id=scsi0,bus=${bus},addr=0x${virtioScsiSlot.toString(16).padStart(2, '0')}`,
      '-device', deviceOption({ driver: 'scsi-hd', ...rest, bus: 'scsi0.0', channel: 0, 'scsi-id': 0, lun: 0 }),
    ];
  }
  if (g?.diskBus === 'sata') return ['-device', deviceOption({ driver: 'ide-hd', ...rest, bus: 'ide.0' })];
  return ['-device', deviceOption(props)];
}

/** The NIC's -device driver. */
export function nicDriver(g: GuestHardwareSpec | undefined): 'virtio-net-pci' | 'e1000' {
  return g?.nicModel === 'e1000' ? 'e1000' : 'virtio-net-pci';
}

/** The driver ISO's CD-ROM (after the first CD-ROM). */
export function driverCdromArgs(g: GuestHardwareSpec | undefined, machine: MachineType): string[] {
  if (g?.driverIso === undefined) return [];
  const at = machine === 'q35' ? 'bus=ide.2' : 'bus=ide.1,unit=1';
  return [
    '-blockdev', JSON.stringify({ driver: 'raw', 'node-name': driverIsoNode, 'read-only': true, file: { driver: 'file', filename: g.driverIso.path, 'read-only': true } }),
    '-device', `ide-cd,id=${driverCdromId},${at},drive=${driverIsoNode}`,
  ];
}
