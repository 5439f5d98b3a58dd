import { EventEmitter } from 'node:events';

export type Change =
  | { kind: 'instance'; id: string; accountId: string }
  | { kind: 'operation'; id: string; accountId: string; status: string }
  | { kind: 'host'; id: string }
  | { kind: 'volume'; id: string; accountId: string; instanceId: string | null }
  | { kind: 'snapshot'; id: string; accountId: string }
  | { kind: 'event'; id: string; accountId: string }
  | { kind: 'network'; id: string; accountId: string }
  /** An image version being captured (or whose capture ended). */
  | { kind: 'imageVersion'; id: string; accountId: string }
  /** A user asked to cancel the work on a resource (its operation carries cancelRequestedAt). */
  | { kind: 'cancel'; resourceType: string; resourceId: string };

/**
 * In-process change feed: the API tells the controller what to look at, operation waiters wake up,
 * and the web console's live stream follows it. It carries keys, never state: listeners re-read.
 */
export class Notifier {
  private readonly emitter = new EventEmitter();
  /** Several servers: changes published here also go to the other servers (cluster/change-relay.ts). */
  forward: ((c: Change) => void) | null = null;
  constructor() { this.emitter.setMaxListeners(0); }
  publish(c: Change): void { this.emitter.emit('change', c); this.forward?.(c); }
  /** A change another server published: to this server's listeners only. */
  deliver(c: Change): void { this.emitter.emit('change', c); }
  subscribe(fn: (c: Change) => void): () => void {
    this.emitter.on('change', fn);
    return () => { this.emitter.off('change', fn); };
  }
}
