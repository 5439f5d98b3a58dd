/** Set-up shared by the real-QEMU tests: a tiny guest's spec on a fresh overlay, and cgroup clean-up. */
import { execFile } from 'node:child_process';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstanceSpec } from '@kumo/core';
import { detectCgroupLayout } from '../cgroup-manager.ts';

const run = promisify(execFile);

interface TinyImage { kernel: string; initrd: string; rootDisk: string; cmdline: string }

/** A qcow2 overlay on the tiny image's root disk at `overlay`, and a 1-vCPU, 128 MiB spec booting it. */
export async function tinyGuestSpec(o: { id: string; name: string; image: TinyImage; overlay: string } & Partial<InstanceSpec>): Promise<InstanceSpec> {
  const { id, name, image, overlay, ...rest } = o;
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.rootDisk, overlay]);
  return {
    instanceId: id, name, vcpus: 1, memoryMiB: 128,
    root: { kind: 'disk', disk: { volumeId: `vol-${name}-root`, path: overlay, format: 'qcow2', pciSlot: 0x10, serial: `vol-${name}-root`.slice(0, 20) } },
    disks: [],
    nics: [],
    boot: { kernelPath: image.kernel, initrdPath: image.initrd, cmdline: `${image.cmdline} kumo_hostname=${name}` },
    stopTimeoutSec: 10,
    ...rest,
  };
}

/** Removes the test's cgroup parent from every hierarchy (after its instances are gone). */
export async function removeCgroupParent(cgroupParent: string): Promise<void> {
  const layout = await detectCgroupLayout('/sys/fs/cgroup');
  const roots = layout.kind === 'v1' ? [...new Set(Object.values(layout.controllers))] : layout.kind === 'v2' ? [layout.root] : [];
  for (const r of roots) await rmdir(join(r, cgroupParent)).catch(() => {});
}
