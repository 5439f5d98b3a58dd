/**
 * Compile-time proof that the wire schemas and the driver contract's types agree: if a field is
 * added to InstanceSpec (core) but not to InstanceSpecSchema (api), or the other way round, the type
 * check fails here.
 */
import type { Static } from '@sinclair/typebox';
import type { GuestInfo, HostFacts, IncomingEndpoint, InstanceSpec, InstanceStatus, JobProgress, MigrationPolicy, MigrationResult, MigrationStats, PowerState } from '@kumo/core';
import type {
  GuestInfoSchema, HostFactsSchema, IncomingEndpointSchema, InstanceSpecSchema, InstanceStatusSchema, JobProgressSchema, MigrationPolicySchema,
  MigrationResultSchema, MigrationStatsSchema, PowerStateSchema,
} from './spec-schemas.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function same<T extends true>(): T | undefined { return undefined; }

same<Same<Static<typeof InstanceSpecSchema>, InstanceSpec>>();
same<Same<Static<typeof InstanceStatusSchema>, InstanceStatus>>();
same<Same<Static<typeof HostFactsSchema>, HostFacts>>();
same<Same<Static<typeof JobProgressSchema>, JobProgress>>();
same<Same<Static<typeof PowerStateSchema>, PowerState>>();
same<Same<Static<typeof MigrationStatsSchema>, MigrationStats>>();
same<Same<Static<typeof MigrationPolicySchema>, MigrationPolicy>>();
same<Same<Static<typeof IncomingEndpointSchema>, IncomingEndpoint>>();
same<Same<Static<typeof MigrationResultSchema>, MigrationResult>>();
same<Same<Static<typeof GuestInfoSchema>, GuestInfo>>();
