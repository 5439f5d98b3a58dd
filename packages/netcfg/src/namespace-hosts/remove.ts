/**
 * Removal of namespace hosts by name: every namespace and root-namespace link named
 * `<prefix>-*` (and namespaces matching extra patterns, e.g. the routers' namespaces the hosts'
 * agents made), after killing every process inside those namespaces. Finds leftovers of a
 * crashed run as well as a live set. Needs root.
 */
import { processGone } from '../process-gone.ts';
import { runCommand } from '../testbed/run-command.ts';
import { waitFor } from '../testbed/wait-for.ts';

export interface RemoveNamespaceHostsOptions {
  prefix: string;
  /** More namespaces to empty and delete (e.g. /^kumo\d+r-/). */
  alsoNetns?: readonly RegExp[];
  /** How long to wait for killed processes to go (default 10 s). */
  timeoutMs?: number;
}

export async function listNetns(): Promise<string[]> {
  const r = await runCommand(['ip', 'netns', 'list'], { allowFailure: true });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

export async function netnsPids(netns: string): Promise<number[]> {
  const r = await runCommand(['ip', 'netns', 'pids', netns], { allowFailure: true });
  return r.stdout.split('\n').map(Number).filter((n) => n > 0);
}

export { processGone };

/** The namespaces removal would delete. */
export async function namespacesOf(options: RemoveNamespaceHostsOptions): Promise<string[]> {
  return (await listNetns()).filter((n) => n.startsWith(`${options.prefix}-`) || (options.alsoNetns ?? []).some((re) => re.test(n)));
}

/** Kills, deletes and removes; returns what was removed. Safe to call when nothing exists. */
export async function removeNamespaceHosts(options: RemoveNamespaceHostsOptions): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = await namespacesOf(options);
  const killed: number[] = [];
  for (const netns of namespaces) {
    for (const pid of await netnsPids(netns)) {
      killed.push(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await waitFor(() => killed.every(processGone), { timeoutMs: options.timeoutMs ?? 10_000, what: `processes ${killed.join(', ')} to exit` });
  for (const netns of namespaces) {
    await runCommand(['ip', 'netns', 'del', netns], { allowFailure: true });
    removed.push(`namespace ${netns}`);
  }
  const links = await runCommand(['ip', '-o', 'link', 'show'], { allowFailure: true });
  for (const m of links.stdout.matchAll(/^\d+: ([^:@\s]+)/gm)) {
    if (!m[1]!.startsWith(`${options.prefix}-`)) continue;
    await runCommand(['ip', 'link', 'del', m[1]!], { allowFailure: true });
    removed.push(`link ${m[1]!}`);
  }
  return removed;
}
