/**
 * `<data dir>/up.pid`: the running `kumo up`, so a second one is refused and `kumo down` finds it.
 * A file whose process is gone (a crash) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '@kumo/cli';

export function upPidFile(dir: string): string {
  return join(dir, 'up.pid');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live `kumo up` on this data directory, if any. */
export function runningUpPid(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(upPidFile(dir), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/** Writes this process's pid (removed again at exit); refuses when another `kumo up` runs. */
export function claimUpPidFile(dir: string): void {
  const other = runningUpPid(dir);
  if (other !== undefined) throw new CliError(`kumo up is already running on ${dir} (pid ${other}); stop it with Ctrl-C or \`kumo down\``);
  mkdirSync(dir, { recursive: true });
  writeFileSync(upPidFile(dir), `${process.pid}\n`);
  process.once('exit', () => {
    try {
      if (readFileSync(upPidFile(dir), 'utf8').trim() === String(process.pid)) rmSync(upPidFile(dir), { force: true });
    } catch {
      // already gone
    }
  });
}
