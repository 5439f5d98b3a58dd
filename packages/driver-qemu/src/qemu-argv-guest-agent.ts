/**
 * The qemu-guest-agent channel: a virtio-serial controller at the fixed slot 0x03 (core
 * device-layout.ts) with one port named org.qemu.guest_agent.0 (the name qemu-ga looks for), its
 * chardev a Unix socket server in the instance directory that the driver's QGA client dials
 * (guest-agent-client.ts). Only for images that declare the agent (spec.guest.guestAgent, from the image property guestAgent).
 */
import { fixedPciSlots, type InstanceSpec } from '@kumo/core';
import type { InstancePaths } from './instance-paths.ts';
import type { ArgvPiece } from './qemu-argv-display.ts';

export const guestAgentPortName = 'org.qemu.guest_agent.0';

export function guestAgentArgv(spec: InstanceSpec, paths: InstancePaths, at: (slot: number) => string): ArgvPiece {
  if (spec.guest?.guestAgent !== true) return { options: [], devices: [] };
  return {
    options: [],
    devices: [{
      slot: fixedPciSlots.guestAgentSerial,
      args: [
        '-chardev', `socket,id=qga0,path=${paths.guestAgentSocket},server=on,wait=off`,
        '-device', `virtio-serial-pci,id=vserial0,${at(fixedPciSlots.guestAgentSerial)}`,
        '-device', `virtserialport,bus=vserial0.0,chardev=qga0,name=${guestAgentPortName}`,
      ],
    }],
  };
}
