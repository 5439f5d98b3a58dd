/**
 * Mounts left inside a build's root file system. debootstrap mounts /proc and /sys in the target
 * while it installs and unmounts them when it finishes; when it fails half-way they can stay, and a
 * recursive delete must never walk into them.
 */
import { readFile } from 'node:fs/promises';
import { runCommand } from '@kumo/image-tiny';

/** Mount points at or below `dir` in /proc/self/mountinfo text, deepest first (pure). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === base || point.startsWith(`${base}/`)) points.push(point);
  }
  return points.sort((a, b) => b.length - a.length);
}

/** Unmounts everything mounted under dir (lazily, deepest first). */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  const points = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  for (const p of points) await runCommand('umount', ['-l', p]).catch(() => undefined);
  return points;
}
