/** The test bed and namespace hosts run programs through @kumo/host-exec (argv, deadline, no shell). */
export { runProgram as runCommand, type ProgramResult as CommandResult, type ProgramOptions as RunOptions } from '@kumo/host-exec';
