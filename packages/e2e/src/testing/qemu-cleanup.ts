import { readdirSync, readFileSync, rmdirSync } from 'node:fs';

/** Pids of processes whose command line mentions `needle` (e.g. a test's state directory). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out.filter((p) => p !== process.pid);
}

/** Kill every QEMU a test left (by its state directory) and remove their cgroups. */
export function killLeftoverGuests(stateDir: string, instanceIds: string[]): void {
  for (const pid of pidsMentioning(stateDir)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const ctrl of ['cpu', 'cpuacct', 'memory', 'pids']) {
    for (const id of instanceIds) {
      try { rmdirSync(`/sys/fs/cgroup/${ctrl}/kumo/${id}`); } catch { /* not there */ }
    }
  }
}
