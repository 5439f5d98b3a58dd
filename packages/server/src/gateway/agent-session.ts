import type { WebSocket } from 'ws';
import { formatDuration, type Clock, type DriverCapability } from '@kumo/core';
import { ApiError, type AgentMethod, type ReplyMessage, type ServerToAgent } from '@kumo/api';
import { AgentCallError } from './agent-call-error.ts';

interface Pending { resolve: (v: ReplyMessage) => void; reject: (e: Error) => void; timer: unknown; method: string }


/** One connected agent: its protocol, fencing generation and capabilities; sends calls, matches replies by id. */
export class AgentSession {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  closed = false;

  constructor(
    readonly hostId: string,
    private readonly socket: WebSocket,
    readonly protocol: number,
    readonly generation: number,
    readonly capabilities: ReadonlySet<DriverCapability>,
    private readonly clock: Clock,
  ) {}

  send(msg: ServerToAgent): void {
    if (this.closed) return;
    this.socket.send(JSON.stringify(msg));
  }

  /**
   * Send a call and resolve with the agent's successful reply (a result, or a job id for job methods).
   * `timeoutMs`: how long to wait for the reply. `deadlineMs` (job methods): the job's own deadline,
   * which the frame carries (the agent ends the job after it); by default the reply's timeout.
   */
  request(method: AgentMethod, params: unknown, timeoutMs: number, jobKey?: string, deadlineMs = timeoutMs): Promise<ReplyMessage> {
    if (this.closed) return Promise.reject(new ApiError('host_unavailable', `host ${this.hostId} is not connected`));
    const id = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentCallError('timeout', `host ${this.hostId} did not answer ${method} within ${formatDuration(timeoutMs)}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, method });
      this.send({
        type: 'call', id, method, params, timeoutMs: deadlineMs,
        ...(this.protocol >= 2 ? { generation: this.generation } : {}), ...(jobKey !== undefined && this.protocol >= 2 ? { jobKey } : {}),
      });
    });
  }

  onReply(msg: ReplyMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    this.clock.clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg);
    else p.reject(new AgentCallError(msg.error?.code ?? 'host_failure', msg.error?.message ?? 'agent call failed'));
  }

  /** A reply that could not be understood: fail its call rather than let it time out. */
  failCall(id: string, e: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.reject(e);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      this.clock.clearTimeout(p.timer);
      p.reject(new ApiError('host_unavailable', `host ${this.hostId} disconnected`));
    }
    this.pending.clear();
    try { this.socket.close(); } catch { /* already closed */ }
  }
}
