/**
 * A fake qemu-guest-agent peer on a Unix socket (what QEMU's chardev would connect to the guest's
 * virtio-serial port): answers guest-sync-delimited with 0xFF + {"return": id}, and the commands the
 * driver sends from a table. `silent` models a guest whose agent is not running (QEMU accepts the
 * connection, nothing ever answers); `staleOutput` is sent before each sync's answer (an earlier,
 * abandoned exchange) and must be skipped by the client.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface QgaCommand { execute: string; arguments?: Record<string, unknown> }

export class FakeQga {
  readonly received: QgaCommand[] = [];
  silent = false;
  staleOutput = '';
  /** Answers by command; a function gets the arguments. undefined → no answer (guest-shutdown). */
  readonly answers = new Map<string, unknown>([
    ['guest-ping', {}],
    ['guest-get-osinfo', { id: 'debian', name: 'Debian GNU/Linux', 'pretty-name': 'Debian GNU/Linux 12 (bookworm)', 'version-id': '12', 'kernel-release': '6.1.0-28-amd64', machine: 'x86_64' }],
    ['guest-network-get-interfaces', [
      { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }] },
      { name: 'eth0', 'hardware-address': '52:54:00:AA:00:01', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '10.1.0.5', prefix: 24 }, { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::5054:ff:feaa:1', prefix: 64 }] },
    ]],
    ['guest-fsfreeze-freeze', 2],
    ['guest-fsfreeze-thaw', 2],
    ['guest-set-user-password', {}],
  ]);
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(readonly path: string) {}

  async listen(): Promise<void> {
    this.server = createServer((conn) => {
      this.conns.add(conn);
      conn.on('close', () => this.conns.delete(conn));
      conn.on('error', () => undefined);
      let buf = '';
      conn.on('data', (d: Buffer) => {
        buf += d.toString('latin1').replaceAll('\xff', ''); // the client's parser flush
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '') continue;
          this.handle(JSON.parse(line) as QgaCommand, conn);
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  private handle(cmd: QgaCommand, conn: Socket): void {
    this.received.push(cmd);
    if (this.silent) return;
    if (cmd.execute === 'guest-sync-delimited') {
      conn.write(Buffer.concat([Buffer.from(this.staleOutput, 'utf8'), Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: cmd.arguments?.['id'] })}\n`)]));
      return;
    }
    if (cmd.execute === 'guest-shutdown') return; // answers nothing on success
    if (!this.answers.has(cmd.execute)) {
      conn.write(`${JSON.stringify({ error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } })}\n`);
      return;
    }
    conn.write(`${JSON.stringify({ return: this.answers.get(cmd.execute) })}\n`);
  }

  /** Commands after the syncs. */
  commands(): string[] { return this.received.map((c) => c.execute).filter((e) => e !== 'guest-sync-delimited'); }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
