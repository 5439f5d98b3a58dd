#!/usr/bin/env node
import { buildProgram, runCli } from '@kumo/cli';
import { addUpCommand } from './up-command.ts';
import { addDownCommand } from './down-command.ts';
import { addDaemonCommands } from './host-commands.ts';
import { addDoctorCommand } from './doctor-command.ts';
import { addImageBuildCommand } from './image-commands.ts';

// `kumo host list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const program = buildProgram();
addUpCommand(program);
addDownCommand(program);
addDaemonCommands(program);
addDoctorCommand(program);
addImageBuildCommand(program);
const code = await runCli(program, process.argv);
// Long-running commands (up, server, agent, simulate) keep the event loop alive; others exit.
if (code !== 0) process.exit(code);
