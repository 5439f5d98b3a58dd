/**
 * Commands addressed to "the host" — the network namespace the guests' bridges live
 * in: the agent's own namespace in production, a testbed host namespace in tests —
 * and to router namespaces. Builds argv and runs it through the CommandRunner.
 */
import { toolArgv } from '@kumo/netcfg';
import type { CommandResult, CommandRunner, RunOptions } from './command-runner.ts';

export class HostShell {
  constructor(
    readonly runner: CommandRunner,
    /** Named namespace of the host; undefined: the agent's own namespace. */
    readonly hostNetns?: string,
  ) {}

  /** `ip [-n host] ...` argv. */
  ipArgv(...args: string[]): string[] {
    return [...toolArgv('ip', this.hostNetns), ...args];
  }

  /** `bridge [-n host] ...` argv. */
  bridgeArgv(...args: string[]): string[] {
    return [...toolArgv('bridge', this.hostNetns), ...args];
  }

  /** argv run inside the host namespace. */
  inHostArgv(argv: readonly string[]): string[] {
    return this.hostNetns === undefined ? [...argv] : ['ip', 'netns', 'exec', this.hostNetns, ...argv];
  }

  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.runner.run(argv, options);
  }

  ip(args: string[], options?: RunOptions): Promise<CommandResult> {
    return this.run(this.ipArgv(...args), options);
  }

  inHost(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.run(this.inHostArgv(argv), options);
  }

  inNetns(netns: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.run(['ip', 'netns', 'exec', netns, ...argv], options);
  }

  /** Named network namespaces (`ip netns list`). */
  async listNetns(): Promise<string[]> {
    const r = await this.run(['ip', 'netns', 'list']);
    return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
  }
}
