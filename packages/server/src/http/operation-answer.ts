import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationRow } from '@kumo/db';
import type { ServerContext } from '../context.ts';
import { toOperation } from './mappers.ts';
import { principalOf } from './auth-hook.ts';

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) });

export const idempotencyKeyOf = (req: FastifyRequest): string | undefined => req.headers['idempotency-key'] as string | undefined;

/** 202 with the operation (Location: the operation), or with ?wait=true 200 once it has ended. */
export async function answerOperation(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, op: OperationRow) {
  const q = req.query as { wait?: boolean; waitTimeoutSec?: number };
  let final = op;
  if (q.wait) final = await ctx.ops.waitFor(principalOf(req).scope, op.id, (q.waitTimeoutSec ?? 600) * 1000);
  void reply.header('location', `/api/v1/operations/${op.id}`);
  return reply.status(q.wait && ['succeeded', 'failed', 'cancelled'].includes(final.status) ? 200 : 202).send(toOperation(final));
}
