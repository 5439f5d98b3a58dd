/**
 * One `kumo up` as a fresh machine's first run would do it, once the host packages are installed
 * (scripts/install-system-deps.sh): an empty data directory, an empty guest kernel cache and a
 * throwaway HOME, on a port of its own, without the default network (it would touch the host's
 * public bridge and NAT). Times the first output line (module loading), every progress step
 * ("✓ step: N s (M s since start)") and the banner, then stops it with `kumo down`.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface UpStep { step: string; seconds: number; sinceStartSeconds: number }
export interface KumoUpRun {
  /** From spawning the process to its first line (Node + tsx loading the modules). */
  firstLineMs: number;
  /** From spawning to the "Kumo is up" banner: what a user waits. */
  toPromptMs: number;
  steps: UpStep[];
}

/** A progress line of up-progress.ts, e.g. "✓ start the server: 2.7 s (3.7 s since start)". */
export function parseUpStep(line: string): UpStep | null {
  const m = /^✓ (.+): ([\d.]+) s \(([\d.]+) s since start\)$/.exec(line.trim());
  return m ? { step: m[1]!, seconds: Number(m[2]), sinceStartSeconds: Number(m[3]) } : null;
}

export async function timeKumoUp(repo: string, port: number): Promise<KumoUpRun> {
  const work = await mkdtemp('/var/tmp/kumo-bench-first-run-');
  const env = { ...process.env, HOME: join(work, 'home'), KUMO_DATA_DIR: join(work, 'data'), KUMO_GUEST_KERNEL_CACHE: join(work, 'guest-kernel') };
  const t0 = Date.now();
  const child = spawn(join(repo, 'bin', 'kumo'), ['up', '--port', String(port), '--no-network'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const steps: UpStep[] = [];
  let firstLineMs = -1; let toPromptMs = -1; let tail = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`kumo up exited (${code}) before its banner:\n${tail}`)));
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          if (firstLineMs < 0) firstLineMs = Date.now() - t0;
          tail = `${tail}${line}\n`.slice(-4000);
          const s = parseUpStep(line);
          if (s) steps.push(s);
          if (line.startsWith('Kumo is up at ')) { toPromptMs = Date.now() - t0; resolve(); }
        });
      }
    });
  } finally {
    await run(join(repo, 'bin', 'kumo'), ['down'], { env }).catch(() => child.kill('SIGTERM'));
    await rm(work, { recursive: true, force: true });
  }
  return { firstLineMs, toPromptMs, steps };
}
