/**
 * Where the LXC driver keeps each container on the host, and how it names them. Kumo owns one
 * LXC path (lxc-* -P): every directory in it named like an instance id is a Kumo container, which
 * is how a new driver re-adopts what an earlier one started (no database on the host).
 *
 *   <lxcPath>/<instanceId>/config         the LXC config Kumo writes (lxc-config.ts)
 *   <lxcPath>/<instanceId>/delta/upper    the container's writes (overlayfs upper over the base)
 *   <lxcPath>/<instanceId>/delta/work     overlayfs work dir (LXC puts it next to upper)
 *   <lxcPath>/<instanceId>/console.log    console output, written by LXC's monitor
 *   <lxcPath>/<instanceId>/lxc.log        LXC's own log (start errors)
 *   <lxcPath>/<instanceId>/seed           NoCloud seed (meta-data, user-data, network-config)
 */
import { join } from 'node:path';

export interface ContainerPaths {
  dir: string;
  config: string;
  delta: string;
  upper: string;
  work: string;
  consoleLog: string;
  lxcLog: string;
  seed: string;
}

/** Instance ids the driver accepts as container names: LXC's and the file system's safe set. */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isContainerName(name: string): boolean {
  return INSTANCE_ID.test(name) && name !== '.' && name !== '..';
}

export function containerPaths(lxcPath: string, instanceId: string): ContainerPaths {
  const dir = join(lxcPath, instanceId);
  const delta = join(dir, 'delta');
  return {
    dir,
    config: join(dir, 'config'),
    delta,
    upper: join(delta, 'upper'),
    work: join(delta, 'work'),
    consoleLog: join(dir, 'console.log'),
    lxcLog: join(dir, 'lxc.log'),
    seed: join(dir, 'seed'),
  };
}
