import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KumoClient } from '@kumo/api';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const adminPassword = 'kill-test-password';

/** `kumo server` as a real child process, so a test can kill -9 it. */
export class ServerProcess {
  child: ChildProcess | null = null;
  output = '';
  constructor(readonly dataDir: string, readonly port: number, readonly env: Record<string, string> = {}) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [...(process.env.KUMO_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'packages/kumo/src/main.ts', 'server', '--port', String(this.port), '--data-dir', this.dataDir], {
      cwd: repoRoot, env: { ...process.env, KUMO_ADMIN_PASSWORD: adminPassword, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child.stderr?.on('data', (d: Buffer) => { this.output += d.toString(); });
    const client = new KumoClient({ baseUrl: this.url });
    // Generous: tsx compiles the server at start, which takes tens of seconds on a loaded 2-core machine.
    const deadline = Date.now() + 120_000;
    for (;;) {
      try { await client.request('GET', '/api/v1/health'); return; } catch { /* not yet */ }
      if (this.ended) throw new Error(`server exited: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`server did not come up: ${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A client logged in as the admin this process was started with. */
  async adminClient(): Promise<KumoClient> {
    const client = new KumoClient({ baseUrl: this.url });
    client.setToken((await client.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'admin', password: adminPassword } })).token);
    return client;
  }

  /** Whether the child has ended: by exiting, or by a signal (then exitCode stays null). */
  get ended(): boolean {
    const c = this.child;
    return !c || c.exitCode !== null || c.signalCode !== null;
  }

  /** SIGKILL: no shutdown code runs. */
  async kill9(): Promise<void> {
    const c = this.child;
    if (!c || this.ended) return;
    await new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGKILL'); });
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || this.ended) return;
    await new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); setTimeout(() => c.kill('SIGKILL'), 5000).unref(); });
  }
}
