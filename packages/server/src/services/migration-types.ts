import type { OperationRow, Scope } from '@kumo/db';

/** What a caller asks: a target host (id or name; omitted: the scheduler picks) and live or cold. */
export interface MigrateRequest {
  hostId?: string | undefined;
  /** false: cold (a stopped instance's disks are copied); omitted: live when it runs, cold when stopped. */
  live?: boolean | undefined;
}

/** How the instance would move. */
export type MigrationMode = 'live' | 'cold';

/** A host the instance could move to, best first. */
export interface MigrationCandidate { hostId: string; hostName: string }

/** A host of the zone it cannot move to, and why (a sentence naming what is missing). */
export interface MigrationRejection { hostId: string; hostName: string; reason: string }

/** Where an instance could go now: the compatible hosts best first, and every other host with its reason. */
export interface MigrationCandidates {
  instanceId: string;
  mode: MigrationMode;
  candidates: MigrationCandidate[];
  rejected: MigrationRejection[];
}

/**
 * The public face of migration orchestration: the REST route, the CLI (through it) and host
 * evacuation (the host reconciler's evacuateGuests) use only this.
 *
 * request(): checks the request (4xx naming the field, nothing changed), records an
 * `instance.migrate` operation and a `migrations` row, and returns the operation (202); the
 * controller does the work. 409 `capability_missing` / `no_candidate` name why no host fits.
 *
 * candidates(): read-only; what request() without hostId would choose from.
 */
export interface MigrationRequester {
  request(scope: Scope, instanceId: string, req: MigrateRequest, idempotencyKey?: string): Promise<OperationRow>;
  candidates(instanceId: string, mode?: MigrationMode): Promise<MigrationCandidates>;
}
