import { readFileSync } from 'node:fs';

/** Gone: no such process, or a zombie waiting for its parent to reap it (gone for our purposes). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}
