/** What `lxc-info -s -p` says about a container, in Kumo's power vocabulary. Pure. */
import type { PowerState } from '@kumo/core';

export interface LxcInfo {
  /** LXC's own state word (RUNNING, FROZEN, STOPPED, STARTING, STOPPING, ABORTING, FREEZING, THAWED). */
  state: string;
  /** The container's init as the host sees it, while it runs. */
  pid: number | undefined;
}

export function parseLxcInfo(stdout: string): LxcInfo {
  const state = /^State:\s*(\S+)/m.exec(stdout)?.[1] ?? 'STOPPED';
  const pid = /^PID:\s*(\d+)/m.exec(stdout)?.[1];
  return { state, pid: pid === undefined ? undefined : Number(pid) };
}

export function powerOf(info: LxcInfo): PowerState {
  switch (info.state) {
    case 'FROZEN':
    case 'FREEZING':
      return 'paused';
    case 'RUNNING':
    case 'STARTING':
    case 'THAWED':
    case 'STOPPING':
      return 'running';
    default:
      return 'stopped';
  }
}
