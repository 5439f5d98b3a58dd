/**
 * The driver's connection to a guest's serial port (a QEMU chardev socket server).
 * Output goes to a data callback; writes go to the guest. The chardev serves one
 * client at a time and sends output only to a connected client (QEMU's own logfile
 * keeps it regardless), so the driver stays connected for the whole life of the guest.
 */
import { connect as netConnect, type Socket } from 'node:net';

export interface SerialConnectOptions {
  deadlineMs: number;
  retryIntervalMs?: number;
  shouldContinue?: () => boolean;
}

export class SerialConsole {
  private socket: Socket | undefined;
  private closing = false;

  constructor(
    readonly socketPath: string,
    private readonly onData: (data: Buffer) => void,
    /** Called when an established connection ends without close() (QEMU exited, or the peer dropped us). */
    private readonly onDisconnect: () => void = () => {},
  ) {}

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Connect, retrying while the socket is not there yet. */
  async connect(opts: SerialConnectOptions): Promise<void> {
    const deadline = Date.now() + opts.deadlineMs;
    let last = 'not attempted';
    this.closing = false;
    for (;;) {
      if (this.closing) throw new Error(`serial console ${this.socketPath}: closed`);
      if (opts.shouldContinue && !opts.shouldContinue()) throw new Error(`serial console ${this.socketPath}: gave up (${last})`);
      try {
        this.socket = await this.attempt();
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) throw new Error(`serial console ${this.socketPath}: not reachable (${last})`);
      await new Promise((r) => setTimeout(r, opts.retryIntervalMs ?? 50));
    }
  }

  private attempt(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ path: this.socketPath });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', () => { /* surfaced through close */ });
        s.on('data', (d: Buffer) => this.onData(d));
        s.once('close', () => {
          if (this.socket === s) this.socket = undefined;
          if (!this.closing) this.onDisconnect();
        });
        resolve(s);
      });
    });
  }

  async write(data: Buffer): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed) throw new Error('serial console is not connected');
    await new Promise<void>((resolve, reject) => s.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    const s = this.socket;
    this.socket = undefined;
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }
}
