/**
 * The agent's only way to run programs: argv in, output out, never a shell. An interface so tests
 * and dry runs can record or fake it; the real one is @kumo/host-exec's runProgram.
 */
import { runProgram, type ProgramResult } from '@kumo/host-exec';

export type CommandResult = ProgramResult;

export interface RunOptions {
  /** Resolve with the result instead of rejecting when the command exits non-zero. */
  allowFailure?: boolean;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** Runs programs on this host. */
export const execCommandRunner: CommandRunner = {
  run: (argv, options = {}) => runProgram(argv, options),
};
