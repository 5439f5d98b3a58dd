import { appendFileSync, readFileSync } from 'node:fs';

/** The id range unprivileged containers' root maps to (driver-lxc's defaultIdMap): host ids 100000-165535. */
export const containerSubIdLine = 'root:100000:65536';

/** Whether a subuid/subgid file's text already gives root the containers' range. */
export function hasContainerSubIds(text: string): boolean {
  return text.split('\n').some((l) => l.trim() === containerSubIdLine);
}

/**
 * LXC maps an unprivileged container's ids with newuidmap/newgidmap, which only allow ranges that
 * /etc/subuid and /etc/subgid give the user: adds root's range when it is missing (as root), as
 * scripts/install-system-deps.sh does.
 */
export function ensureContainerIdMap(say: (line: string) => void, files: readonly string[] = ['/etc/subuid', '/etc/subgid']): void {
  for (const f of files) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { /* absent: created */ }
    if (hasContainerSubIds(text)) continue;
    appendFileSync(f, `${text === '' || text.endsWith('\n') ? '' : '\n'}${containerSubIdLine}\n`);
    say(`added ${containerSubIdLine} to ${f} (unprivileged containers' ids)`);
  }
}
