/**
 * The LXC config Kumo writes for a container (lxc-start -f is not needed: the file is the
 * container's `config` in Kumo's LXC path). Pure: everything comes from the spec and the host's
 * facts, so golden tests pin the output.
 */
import { cpuQuotaUsFor, CPU_PERIOD_US, DriverError, type InstanceSpec, type NicSpec } from '@kumo/core';
import type { ContainerPaths } from './lxc-layout.ts';

/** An unprivileged container's root maps to host ids [hostId, hostId + count). */
export interface IdMap {
  hostUid: number;
  hostGid: number;
  count: number;
}

/** The signals the container's init understands (busybox init differs from systemd and sysvinit). */
export interface InitSignals {
  halt: string;
  reboot: string;
}

/** systemd and sysvinit: SIGPWR halts, SIGINT (ctrl-alt-del) reboots. LXC's defaults. */
export const standardInitSignals: InitSignals = { halt: 'SIGPWR', reboot: 'SIGINT' };
/** busybox init: SIGUSR2 powers off, SIGTERM reboots. */
export const busyboxInitSignals: InitSignals = { halt: 'SIGUSR2', reboot: 'SIGTERM' };
/** systemd: SIGRTMIN+3 halts (SIGPWR only starts sigpwr.target, which does nothing on Debian), SIGINT reboots. */
export const systemdInitSignals: InitSignals = { halt: 'SIGRTMIN+3', reboot: 'SIGINT' };

export interface LxcConfigHost {
  /** null: a privileged container (root is host root). */
  idmap: IdMap | null;
  cgroup: 'v1' | 'v2';
  init: InitSignals;
  pidsMax: number;
  /** Bytes of console.log LXC keeps before it rotates it. */
  consoleLogBytes: number;
}

const MiB = 1024 * 1024;

/** The base (read-only lower layer) of the container's overlay root: the spec's root file system. */
export function rootfsBase(spec: InstanceSpec): string {
  if (spec.root?.kind !== 'rootfs') {
    throw new DriverError(`root: a container boots from a root file system (root.kind 'rootfs'), got ${spec.root ? `'${spec.root.kind}'` : 'none'}`, 'start_failed');
  }
  return spec.root.path;
}

function nicLines(nic: NicSpec, i: number): string[] {
  if (nic.attach.kind !== 'veth') {
    throw new DriverError(`nics[${i}].attach: a container's NIC attaches as 'veth', got '${nic.attach.kind}'`, 'start_failed');
  }
  const k = `lxc.net.${i}`;
  const lines = [`${k}.type = veth`, `${k}.veth.pair = ${nic.attach.hostIfName}`, `${k}.hwaddr = ${nic.mac}`, `${k}.name = eth${i}`, `${k}.flags = up`];
  if (nic.bridge !== undefined) lines.push(`${k}.link = ${nic.bridge}`);
  if (nic.mtu !== undefined) lines.push(`${k}.mtu = ${nic.mtu}`);
  return lines;
}

function cgroupLines(spec: InstanceSpec, host: LxcConfigHost): string[] {
  const quota = cpuQuotaUsFor(spec);
  const memory = spec.memoryMiB * MiB;
  if (host.cgroup === 'v2') {
    return [
      `lxc.cgroup2.cpu.max = ${quota ?? 'max'} ${CPU_PERIOD_US}`,
      `lxc.cgroup2.memory.max = ${memory}`,
      `lxc.cgroup2.pids.max = ${host.pidsMax}`,
    ];
  }
  return [
    `lxc.cgroup.cpu.cfs_period_us = ${CPU_PERIOD_US}`,
    `lxc.cgroup.cpu.cfs_quota_us = ${quota ?? -1}`,
    `lxc.cgroup.memory.limit_in_bytes = ${memory}`,
    `lxc.cgroup.pids.max = ${host.pidsMax}`,
  ];
}

export function renderLxcConfig(spec: InstanceSpec, paths: ContainerPaths, host: LxcConfigHost): string {
  const base = rootfsBase(spec);
  if (spec.disks.length > 0) throw new DriverError('disks: containers take no block devices (data disks are for VMs)', 'start_failed');
  if (spec.cdrom) throw new DriverError('cdrom: containers have no CD-ROM drive', 'start_failed');
  if (spec.boot.kernelPath !== undefined) throw new DriverError('boot.kernelPath: a container runs the host kernel', 'start_failed');
  const lines = [
    '# Written by Kumo (driver-lxc) at every start; edits are lost.',
    `lxc.uts.name = ${hostnameOf(spec.name)}`,
    `lxc.rootfs.path = overlay:${base}:${paths.upper}`,
    'lxc.mount.auto = proc:mixed sys:mixed',
    'lxc.autodev = 1',
    'lxc.tty.max = 0',
    'lxc.pty.max = 16',
    'lxc.apparmor.profile = unconfined',
    `lxc.signal.halt = ${host.init.halt}`,
    `lxc.signal.reboot = ${host.init.reboot}`,
    `lxc.console.logfile = ${paths.consoleLog}`,
    `lxc.console.size = ${host.consoleLogBytes}`,
    'lxc.console.rotate = 1',
    `lxc.log.file = ${paths.lxcLog}`,
    'lxc.log.level = WARN',
  ];
  if (host.idmap) {
    const m = host.idmap;
    lines.push(`lxc.idmap = u 0 ${m.hostUid} ${m.count}`, `lxc.idmap = g 0 ${m.hostGid} ${m.count}`);
  }
  lines.push(...cgroupLines(spec, host));
  if (spec.nics.length === 0) lines.push('lxc.net.0.type = empty');
  spec.nics.forEach((nic, i) => lines.push(...nicLines(nic, i)));
  if (spec.configDrive) {
    lines.push(`lxc.mount.entry = ${paths.seed} var/lib/cloud/seed/nocloud none bind,ro,create=dir 0 0`);
  }
  return `${lines.join('\n')}\n`;
}

/** A host name from the instance name: [a-z0-9-], at most 63, never empty. */
export function hostnameOf(name: string): string {
  const h = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return h || 'kumo';
}
