/**
 * What one apply()/resync() did to the host. "created": the object is new in the
 * spec; "updated": its spec changed since it was last applied; "repaired": the spec
 * did not change but the host had drifted (a table deleted, a process killed, a
 * bridge removed by hand); "removed": no longer desired. A converged host reports
 * no changes.
 */
export type ChangeAction = 'created' | 'updated' | 'repaired' | 'removed';

export type ChangeKind =
  | 'host-sysctl'
  | 'network'
  | 'fdb'
  | 'tap'
  | 'security-groups'
  | 'router'
  | 'router-link'
  | 'router-address'
  | 'router-route'
  | 'router-sysctl'
  | 'router-nft'
  | 'dhcp-server'
  | 'dhcp-server-link'
  | 'dhcp-server-address'
  | 'dhcp-server-route'
  | 'dhcp-server-sysctl'
  | 'dhcp-server-nft'
  | 'dnsmasq'
  | 'metadata'
  | 'haproxy';

export interface ApplyChange {
  action: ChangeAction;
  kind: ChangeKind;
  /** networkId, routerId, serverId (DHCP servers and their dnsmasq/metadata), tap name or "host". */
  id: string;
  detail: string;
}

export interface ApplyError {
  kind: ChangeKind;
  id: string;
  message: string;
  /** NetcfgError code when the cause was a refusal (e.g. "unsupported"). */
  code?: string;
}

export interface ApplyReport {
  generation: number;
  ok: boolean;
  changes: ApplyChange[];
  errors: ApplyError[];
  durationMs: number;
}

/** How a change of a spec object is classified, from what was applied before. */
export type ObjectHistory = 'new' | 'changed' | 'unchanged';

export function actionFor(history: ObjectHistory): Exclude<ChangeAction, 'removed'> {
  return history === 'new' ? 'created' : history === 'changed' ? 'updated' : 'repaired';
}

/** Collects the changes of one pass. */
export class ChangeLog {
  readonly changes: ApplyChange[] = [];
  readonly errors: ApplyError[] = [];

  add(action: ChangeAction, kind: ChangeKind, id: string, detail: string): void {
    this.changes.push({ action, kind, id, detail });
  }

  error(kind: ChangeKind, id: string, e: unknown): void {
    const error: ApplyError = { kind, id, message: e instanceof Error ? e.message : String(e) };
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') error.code = code;
    this.errors.push(error);
  }
}
