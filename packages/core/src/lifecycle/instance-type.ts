/**
 * What an instance is: a virtual machine or a system container. It follows from the image an
 * instance is made from (a root-fs tarball, format 'rootfs-tar', makes a container; every other
 * image a VM) and decides which hosts may run it: QEMU hosts run VMs, LXC hosts containers, the
 * fake driver (simulated clouds) both.
 */
export const instanceTypes = ['vm', 'container'] as const;
export type InstanceType = (typeof instanceTypes)[number];

/** The hypervisors of hosts (the database's and the scheduler's vocabulary). */
export type HostHypervisor = 'qemu' | 'lxc' | 'fake';

export function instanceTypeOfImageFormat(format: string): InstanceType {
  return format === 'rootfs-tar' ? 'container' : 'vm';
}

const runs: Record<HostHypervisor, readonly InstanceType[]> = { qemu: ['vm'], lxc: ['container'], fake: ['vm', 'container'] };

export function hypervisorRuns(hypervisor: HostHypervisor, type: InstanceType): boolean {
  return runs[hypervisor].includes(type);
}
