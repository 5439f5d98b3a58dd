/**
 * The graphical console's part of the QEMU command line: a standard VGA adapter at the fixed slot
 * 0x05 (core device-layout.ts) and QEMU's VNC server on a Unix socket in the instance directory,
 * which only the agent can open (it proxies it to the server's authenticated WebSocket). No TCP
 * port, no VNC password: access control is the server's, per request.
 *
 * Who gets a display: spec.graphicalConsole when set; otherwise guests that boot through firmware
 * (disk images, ISOs: bootloaders and installers draw on a screen), not a directly booted kernel
 * (its console is the serial port).
 */
import { fixedPciSlots, type InstanceSpec } from '@kumo/core';
import type { InstancePaths } from './instance-paths.ts';

export function hasGraphicalConsole(spec: Pick<InstanceSpec, 'graphicalConsole' | 'boot'>): boolean {
  return spec.graphicalConsole ?? spec.boot.kernelPath === undefined;
}

/**
 * What a display adds to QEMU's memory, for its cgroup: the VGA memory (vgamem_mb=16), the display
 * surface, the VNC server's copy of it and, during a save or migration, the VGA RAM being sent.
 * Without it a 128 MiB guest with a display was OOM-killed in the middle of a save
 * (regression: save_of_guest_with_display_oom_killed).
 */
export const DISPLAY_MEMORY_OVERHEAD_MIB = 64;

export interface ArgvPiece {
  /** Options outside the device list. */
  options: string[];
  /** Devices at their PCI slot (qemu-argv.ts sorts every device by slot). */
  devices: Array<{ slot: number; args: string[] }>;
}

/** `at(slot)` is the root bus address option (`bus=pcie.0,addr=0x05`). */
export function displayArgv(spec: InstanceSpec, paths: InstancePaths, at: (slot: number) => string): ArgvPiece {
  if (!hasGraphicalConsole(spec)) return { options: [], devices: [] };
  return {
    options: ['-vnc', `unix:${paths.vncSocket}`],
    devices: [{ slot: fixedPciSlots.display, args: ['-device', `VGA,id=video0,vgamem_mb=16,${at(fixedPciSlots.display)}`] }],
  };
}
