/** Host programs the LXC driver runs to build root file systems (tar, sfdisk, qemu-img, debugfs): a failure is a DriverError 'host_failure'. */
import { ProgramError, runProgram, type ProgramResult } from '@kumo/host-exec';
import { DriverError } from '@kumo/core';

/** Runs argv with a deadline (default 10 minutes: whole-disk copies under load); `what` names it in the error (default: the argv). */
export async function runHostProgram(argv: readonly string[], opts: { timeoutMs?: number; what?: string } = {}): Promise<ProgramResult> {
  try {
    return await runProgram(argv, { timeoutMs: opts.timeoutMs ?? 600_000 });
  } catch (err) {
    const said = err instanceof ProgramError ? err.output || err.message : String(err);
    throw new DriverError(`${opts.what ?? argv.join(' ')}: ${said}`, 'host_failure');
  }
}
