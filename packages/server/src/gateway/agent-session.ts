import type { WebSocket } from 'ws';
import { ApiError, type AgentMethod, type AgentMethods, type ReplyMessage, type ServerToAgent } from '@kumo/api';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

/** Raised when the agent answered a call with an error (the driver's message is for the user). */
export class AgentCallError extends Error {
  constructor(readonly code: string, message: string) { super(message); this.name = 'AgentCallError'; }
}

/** One connected agent: sends calls, matches replies by id. */
export class AgentSession {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  closed = false;

  constructor(readonly hostId: string, private readonly socket: WebSocket) {}

  send(msg: ServerToAgent): void {
    if (this.closed) return;
    this.socket.send(JSON.stringify(msg));
  }

  call<M extends AgentMethod>(method: M, params: AgentMethods[M], timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new ApiError('host_unavailable', `host ${this.hostId} is not connected`));
    const id = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentCallError('timeout', `host ${this.hostId} did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ type: 'call', id, method, params, timeoutMs });
    });
  }

  onReply(msg: ReplyMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new AgentCallError(msg.error?.code ?? 'host_failure', msg.error?.message ?? 'agent call failed'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ApiError('host_unavailable', `host ${this.hostId} disconnected`));
    }
    this.pending.clear();
    try { this.socket.close(); } catch { /* already closed */ }
  }
}
