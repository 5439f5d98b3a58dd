/**
 * swtpm (Debian's `swtpm`), the software TPM 2.0 behind a guest's tpm-tis device: one per instance,
 * started before QEMU with its state in the instance directory (tpm/) and its control socket where
 * the argv's tpmdev expects it. `--terminate` makes it exit when QEMU closes the connection, so a
 * guest that stops or crashes leaves no swtpm behind; stopSwtpm kills it when the launch fails
 * before QEMU connected. The TPM state moves with a live migration inside QEMU's stream.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { runProgram } from '@kumo/host-exec';
import type { InstancePaths } from './instance-paths.ts';

/** Starts swtpm and returns once its control socket exists (swtpm --daemon forks after listening). */
export async function startSwtpm(paths: InstancePaths, swtpmBinary = 'swtpm'): Promise<void> {
  await mkdir(paths.tpmStateDir, { recursive: true, mode: 0o700 });
  await rm(paths.tpmSocket, { force: true });
  await runProgram([swtpmBinary,
    'socket', '--tpm2',
    '--tpmstate', `dir=${paths.tpmStateDir}`,
    '--ctrl', `type=unixio,path=${paths.tpmSocket}`,
    '--pid', `file=${paths.tpmPidFile}`,
    '--log', `file=${paths.tpmStateDir}/swtpm.log`,
    '--terminate', '--daemon',
  ], { timeoutMs: 30_000 });
}

/** Kills the instance's swtpm if it still runs (idempotent). */
export async function stopSwtpm(paths: InstancePaths): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(paths.tpmPidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 1) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await rm(paths.tpmPidFile, { force: true });
  await rm(paths.tpmSocket, { force: true });
}
