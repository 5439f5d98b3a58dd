/** Runs host programs and fails with their stderr in the message. */
import { spawn } from 'node:child_process';
import { runProgram } from '@kumo/host-exec';

/** Image builds (debootstrap, mkfs, cpio of a root file system) take minutes under TCG load: a deadline that only ends a hung one. */
const buildStepTimeoutMs = 30 * 60_000;

/** The program's stdout; rejects naming the program and its stderr. */
export async function runCommand(file: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<string> {
  return (await runProgram([file, ...args], { timeoutMs: buildStepTimeoutMs, ...(opts.cwd ? { cwd: opts.cwd } : {}) })).stdout;
}

/** Feeds `input` to the program's stdin and returns its stdout as bytes. */
export function runFilter(file: string, args: readonly string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.on('error', () => undefined); // reported through the exit status
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${file} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}
