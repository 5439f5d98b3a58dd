/** A change announced on /api/v1/stream: what changed, never its state (re-fetch it). */
export type ChangeKind = 'instance' | 'operation' | 'host' | 'event' | 'network' | 'imageVersion';
export interface Change { kind: ChangeKind; id: string; status?: string }
/** After the stream reconnects, changes may have been missed: everyone re-fetches. */
export interface Resync { kind: 'resync' }
export type FeedMessage = Change | Resync;

const kinds: ReadonlySet<string> = new Set(['instance', 'operation', 'host', 'event', 'network']);

export function parseChange(data: string): Change | null {
  try {
    const v = JSON.parse(data) as Record<string, unknown>;
    if (typeof v.kind !== 'string' || !kinds.has(v.kind) || typeof v.id !== 'string') return null;
    return { kind: v.kind as ChangeKind, id: v.id, ...(typeof v.status === 'string' ? { status: v.status } : {}) };
  } catch {
    return null;
  }
}

/** Does a feed message concern something a screen shows? */
export function changeMatches(msg: FeedMessage, want: { kinds: readonly ChangeKind[]; id?: string | undefined }): boolean {
  if (msg.kind === 'resync') return true;
  if (!want.kinds.includes(msg.kind)) return false;
  return want.id === undefined || msg.kind !== 'instance' || msg.id === want.id;
}
