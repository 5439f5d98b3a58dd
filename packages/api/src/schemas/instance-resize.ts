import { Type, type Static } from '@sinclair/typebox';
import { AnyId } from './common.ts';

/**
 * POST /instances/{id}/resize: give a stopped instance another offering (vCPUs and memory; the root
 * disk keeps its size). Checked against the account's quota and the capacity of the instance's host;
 * the next start boots with the new size.
 */
export const InstanceResize = Type.Object({
  offeringId: AnyId,
}, { additionalProperties: false });
export type InstanceResize = Static<typeof InstanceResize>;
