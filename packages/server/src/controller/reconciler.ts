import type { Change } from '../services/notifier.ts';
import type { TerminalError } from './errors.ts';

/** The kinds of resource the controller reconciles; a work key is `<kind>:<id>`. */
export type ResourceKind = 'instance' | 'volume' | 'snapshot' | 'host' | 'imageVersion';
export type WorkKey = `${ResourceKind}:${string}`;

export function workKey<K extends ResourceKind>(kind: K, id: string): `${K}:${string}` {
  return `${kind}:${id}`;
}

/** Split a work key into its kind and id (ids never contain ':' but the split only takes the first). */
export function parseWorkKey(key: string): { kind: string; id: string } {
  const at = key.indexOf(':');
  return at < 0 ? { kind: '', id: key } : { kind: key.slice(0, at), id: key.slice(at + 1) };
}

/**
 * One resource kind's control loop body (STYLE.md #1, #2). The Controller owns the queue, the
 * per-key backoff, terminal errors and resync; a reconciler only knows its kind:
 *  - reconcile(id): re-read the object, take one step toward its desired state; true = look again now.
 *    Throw WaitError to look again later, CasLost when the row changed, TerminalError to give up.
 *  - fail(id, err): record a failure retrying cannot fix (phase `error`, operations failed).
 *  - unsettledIds(): every id with unfinished work, read from the database only, so that after a
 *    restart (kill -9) the resync alone finds it all.
 *  - keysFor(change): which work keys a notifier change makes worth a look (any kind: a volume
 *    becoming ready wakes its instance).
 */
export interface Reconciler<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  reconcile(id: string): Promise<boolean>;
  fail(id: string, err: TerminalError): Promise<void>;
  unsettledIds(): Promise<string[]>;
  keysFor(change: Change): WorkKey[] | Promise<WorkKey[]>;
}
