/**
 * Which resources this server may reconcile. One server alone (SQLite) owns everything; several
 * servers on PostgreSQL split the work by shard leases (shard-leases.ts).
 */
export interface WorkOwnership {
  /** True while this server holds a valid lease on the resource's shard. */
  owns(id: string): boolean;
  /** Call `fn` whenever this server gains shards (its resources need a look: resync). */
  onGained(fn: () => void): () => void;
}

/** The single-server case: every resource is ours, always. */
export const ownsEverything: WorkOwnership = {
  owns: () => true,
  onGained: () => () => undefined,
};
