import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** `kumo agent` as its own process (fake driver), as it runs on a real host. */
export class AgentProcess {
  child: ChildProcess | null = null;
  output = '';
  exitCode: number | null = null;
  constructor(readonly name: string, readonly stateDir: string, private readonly args: string[] = []) {}

  start(serverUrl: string, joinToken: string): void {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'packages/kumo/src/main.ts', 'agent', '--server', serverUrl, '--token', joinToken,
      '--driver', 'fake', '--name', this.name, '--state-dir', this.stateDir, ...this.args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child.stderr?.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child.once('exit', (code, signal) => { this.exitCode = code ?? (signal ? 128 : 0); });
  }

  get running(): boolean { return this.child !== null && this.exitCode === null; }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || this.exitCode !== null) return;
    await new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); setTimeout(() => c.kill('SIGKILL'), 5000).unref(); });
  }
}
