import { createServer, type Server, type Socket } from 'node:net';

const GREETING = {
  QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'mock' }, capabilities: ['oob'] },
};

export interface Cmd {
  execute: string;
  id?: unknown;
  arguments?: Record<string, unknown>;
}

/** A scripted QMP server: it greets, then hands each parsed command to `onCommand`. */
export class MockQmp {
  readonly received: Cmd[] = [];
  private server: Server | undefined;
  private conns = new Set<Socket>();
  constructor(
    readonly path: string,
    private readonly onCommand: (cmd: Cmd, conn: Socket, mock: MockQmp) => void,
    private readonly greet = true,
  ) {}

  async listen(): Promise<void> {
    this.server = createServer((conn) => {
      this.conns.add(conn);
      conn.on('close', () => this.conns.delete(conn));
      conn.on('error', () => {});
      if (this.greet) send(conn, GREETING);
      let buf = '';
      conn.on('data', (d) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const cmd = JSON.parse(line) as Cmd;
          this.received.push(cmd);
          if (cmd.execute === 'qmp_capabilities') send(conn, { return: {}, id: cmd.id });
          else this.onCommand(cmd, conn, this);
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function send(conn: Socket, msg: unknown): void {
  conn.write(`${JSON.stringify(msg)}\n`);
}

export function event(name: string, data: Record<string, unknown> = {}): unknown {
  return { event: name, data, timestamp: { seconds: 1, microseconds: 2 } };
}
