export { buildProgram, runCli } from './program.ts';
export { saveProfile, loadProfile, profilePath, type Profile } from './profile.ts';
export { print } from './commands/resource-commands.ts';
export { CliError } from './cli-context.ts';
