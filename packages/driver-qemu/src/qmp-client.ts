/**
 * A small QMP (QEMU Machine Protocol) client over a unix socket.
 *
 * QMP is newline-delimited JSON. On connect QEMU sends a greeting; the client must
 * answer with `qmp_capabilities` before any other command. Every command we send
 * carries an `id`, and replies are matched by that id (QEMU answers in order today,
 * but matching by id keeps late replies of timed-out commands from being delivered
 * to the wrong caller). Asynchronous events (SHUTDOWN, STOP, RESUME, MIGRATION, ...)
 * arrive interleaved with replies and go to event listeners.
 *
 * A QMP monitor accepts one client at a time: a second client connects but gets no
 * greeting until the first disconnects. `connect` therefore bounds the wait for the
 * greeting.
 */
import { connect as netConnect, type Socket } from 'node:net';

export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

export interface QmpGreeting {
  version: QmpVersion;
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

export type QmpErrorKind =
  /** QEMU answered the command with an error object. */
  | 'command'
  /** No reply (or no greeting) within the time limit. */
  | 'timeout'
  /** The connection closed before the reply arrived, or was already closed. */
  | 'closed'
  /** Connecting to the socket failed (ENOENT, ECONNREFUSED, ...). */
  | 'connect'
  /** QEMU sent something that is not QMP. */
  | 'protocol';

export class QmpError extends Error {
  constructor(
    message: string,
    readonly kind: QmpErrorKind,
    /** QMP error class for kind 'command' (e.g. 'GenericError', 'CommandNotFound'). */
    readonly errorClass?: string,
    /** errno-style code for kind 'connect' (e.g. 'ENOENT'). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'QmpError';
  }
}

export interface QmpConnectOptions {
  /** Limit for connect + greeting + capabilities negotiation. Default 5000 ms. */
  timeoutMs?: number;
  /** Default per-command timeout. Default 10000 ms. */
  commandTimeoutMs?: number;
}

export interface QmpExecuteOptions {
  timeoutMs?: number;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type Message = Record<string, unknown>;

function isObject(v: unknown): v is Message {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class QmpClient {
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private readonly closeListeners = new Set<(err: QmpError) => void>();
  private nextId = 1;
  private buffer = '';
  private closedWith: QmpError | undefined;
  private greetingWaiter: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void } | undefined;
  private readonly socketClosed: Promise<void>;
  greeting: QmpGreeting | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => { /* surfaced through 'close' */ });
    this.socketClosed = new Promise((resolve) => {
      socket.once('close', () => {
        this.shutdown(new QmpError('QMP connection closed', 'closed'));
        resolve();
      });
    });
  }

  /** Connect, wait for the greeting and negotiate capabilities. */
  static async connect(socketPath: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const socket = netConnect({ path: socketPath });
    const client = new QmpClient(socket, opts.commandTimeoutMs ?? 10_000);
    const deadline = setTimeout(() => {
      client.shutdown(new QmpError(`QMP ${socketPath}: no greeting within ${timeoutMs} ms`, 'timeout'));
      socket.destroy();
    }, timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          reject(new QmpError(`QMP connect ${socketPath}: ${err.message}`, 'connect', undefined, err.code));
        };
        const onClose = (): void => {
          reject(client.closedWith ?? new QmpError(`QMP connect ${socketPath}: closed`, 'closed'));
        };
        socket.once('error', onError);
        socket.once('close', onClose);
        socket.once('connect', () => {
          socket.off('error', onError);
          socket.off('close', onClose);
          resolve();
        });
      });
      client.greeting = await new Promise<QmpGreeting>((resolve, reject) => {
        if (client.closedWith) reject(client.closedWith);
        else client.greetingWaiter = { resolve, reject };
      });
      await client.execute('qmp_capabilities', undefined, { timeoutMs });
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      clearTimeout(deadline);
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Run a QMP command; resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<T> {
    if (this.closedWith) {
      return Promise.reject(new QmpError(`QMP ${command}: connection is closed`, 'closed'));
    }
    const id = `kumo-${this.nextId++}`;
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(`QMP ${command}: no reply within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      const msg: Message = { execute: command, id };
      if (args !== undefined) msg['arguments'] = args;
      this.socket.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** Listen to asynchronous events; returns the unsubscribe function. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called once when the connection ends (QEMU exited, socket error, or close()). */
  onClose(listener: (err: QmpError) => void): () => void {
    if (this.closedWith) {
      const err = this.closedWith;
      queueMicrotask(() => listener(err));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Close the connection; pending commands reject with kind 'closed'. */
  async close(): Promise<void> {
    this.socket.end();
    this.socket.destroySoon();
    await this.socketClosed;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.protocolError(`QMP: invalid JSON from QEMU: ${line.slice(0, 200)}`);
      return;
    }
    if (!isObject(msg)) {
      this.protocolError(`QMP: unexpected message: ${line.slice(0, 200)}`);
      return;
    }
    if (isObject(msg['QMP'])) {
      const g = msg['QMP'];
      const greeting: QmpGreeting = {
        version: g['version'] as QmpVersion,
        capabilities: Array.isArray(g['capabilities']) ? (g['capabilities'] as string[]) : [],
      };
      const waiter = this.greetingWaiter;
      this.greetingWaiter = undefined;
      waiter?.resolve(greeting);
      return;
    }
    if (typeof msg['event'] === 'string') {
      const event: QmpEvent = {
        event: msg['event'],
        data: isObject(msg['data']) ? msg['data'] : {},
        timestamp: (msg['timestamp'] as QmpEvent['timestamp'] | undefined) ?? { seconds: 0, microseconds: 0 },
      };
      for (const l of [...this.eventListeners]) {
        try {
          l(event);
        } catch {
          // a listener's bug must not break the connection
        }
      }
      return;
    }
    const id = msg['id'];
    if (typeof id !== 'string') return; // reply to a command we did not send with an id
    const p = this.pending.get(id);
    if (!p) return; // late reply after a timeout
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ('return' in msg) {
      p.resolve(msg['return']);
    } else if (isObject(msg['error'])) {
      const e = msg['error'];
      const desc = typeof e['desc'] === 'string' ? e['desc'] : JSON.stringify(e);
      const cls = typeof e['class'] === 'string' ? e['class'] : 'GenericError';
      p.reject(new QmpError(`QMP ${p.command}: ${desc}`, 'command', cls));
    } else {
      p.reject(new QmpError(`QMP ${p.command}: malformed reply ${line.slice(0, 200)}`, 'protocol'));
    }
  }

  private protocolError(message: string): void {
    this.shutdown(new QmpError(message, 'protocol'));
    this.socket.destroy();
  }

  private shutdown(err: QmpError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    const waiter = this.greetingWaiter;
    this.greetingWaiter = undefined;
    waiter?.reject(err);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new QmpError(`QMP ${p.command}: ${err.message}`, err.kind === 'protocol' ? 'protocol' : 'closed'));
    }
    for (const l of [...this.closeListeners]) {
      try {
        l(err);
      } catch {
        // ignore listener bugs
      }
    }
    this.closeListeners.clear();
  }
}

export interface QmpRetryOptions extends QmpConnectOptions {
  /** Give up after this long. Default 30000 ms. */
  deadlineMs?: number;
  /** Pause between attempts. Default 50 ms. */
  retryIntervalMs?: number;
  /** Checked before each attempt; returning false stops retrying (e.g. QEMU exited). */
  shouldContinue?: () => boolean;
  signal?: AbortSignal;
}

/**
 * Connect, retrying while the socket does not exist yet or refuses connections
 * (QEMU still starting) or QEMU has not sent its greeting yet. Used right after
 * spawning QEMU and when re-adopting a running QEMU after an agent restart.
 */
export async function connectQmpWithRetry(socketPath: string, opts: QmpRetryOptions = {}): Promise<QmpClient> {
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  const interval = opts.retryIntervalMs ?? 50;
  let lastError: Error = new QmpError(`QMP ${socketPath}: not attempted`, 'connect');
  for (;;) {
    if (opts.signal?.aborted) throw new QmpError(`QMP ${socketPath}: aborted`, 'closed');
    if (opts.shouldContinue && !opts.shouldContinue()) {
      throw new QmpError(`QMP ${socketPath}: gave up (${lastError.message})`, 'closed');
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new QmpError(`QMP ${socketPath}: not reachable in time (${lastError.message})`, 'timeout');
    }
    try {
      return await QmpClient.connect(socketPath, {
        ...opts,
        timeoutMs: Math.min(opts.timeoutMs ?? left, left),
      });
    } catch (err) {
      lastError = err as Error;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
