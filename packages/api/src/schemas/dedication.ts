import { Type, type Static } from '@sinclair/typebox';
import { AnyId } from './common.ts';

/* Dedicated resources: zones, pods, clusters and hosts reserved for one account (docs/operators.md). */

export const dedicationKindNames = ['zone', 'pod', 'cluster', 'host'] as const;
export const DedicationKind = Type.Union(dedicationKindNames.map((k) => Type.Literal(k)));

export const Dedication = Type.Object({
  kind: DedicationKind, id: Type.String(), name: Type.String(), zoneId: Type.String(),
  accountId: Type.String({ description: 'the account whose instances alone go there (and go only to what is dedicated to it)' }),
});
export type Dedication = Static<typeof Dedication>;

export const DedicationCreate = Type.Object({ kind: DedicationKind, id: AnyId, accountId: AnyId }, { additionalProperties: false });
export type DedicationCreate = Static<typeof DedicationCreate>;

export const DedicationParams = Type.Object({ kind: DedicationKind, id: AnyId }, { additionalProperties: false });
export const DedicationQuery = Type.Object({ accountId: Type.Optional(AnyId) }, { additionalProperties: false });
