import { readFileSync } from 'node:fs';

/**
 * A shell script that mounts this machine's cgroup hierarchies again under /sys/fs/cgroup. `ip netns
 * exec` gives a program a fresh /sys (so /sys/class/net shows the namespace's links, which LXC reads)
 * without the cgroup mounts LXC needs; mounting a hierarchy with the same options joins the same one.
 */
export function cgroupRemountScript(): string {
  const lines = ['set -e', 'mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup'];
  for (const l of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // "<id> <parent> <dev> <root> <mountpoint> <opts> ... - <fstype> <source> <superopts>"
    const [pre, post] = l.split(' - ');
    const mountPoint = pre?.split(' ')[4] ?? '';
    const [fstype, , superOpts] = (post ?? '').split(' ');
    if (!mountPoint.startsWith('/sys/fs/cgroup/') || (fstype !== 'cgroup' && fstype !== 'cgroup2')) continue;
    const opts = fstype === 'cgroup' ? (superOpts ?? '').split(',').filter((o) => o !== 'rw').join(',') : '';
    lines.push(`mkdir -p ${mountPoint}`, `mount -t ${fstype}${opts ? ` -o ${opts}` : ''} ${fstype} ${mountPoint}`);
  }
  return lines.join('\n');
}

/** argv that runs `argv` after cgroupRemountScript() (inside `ip netns exec`'s own mount namespace). */
export function withCgroupMounts(argv: readonly string[]): string[] {
  return ['sh', '-c', `${cgroupRemountScript()}\nexec "$@"`, 'sh', ...argv];
}
