/**
 * Compiled validators for the agent link, used by both ends: frames on arrival, call parameters
 * before they are sent and when they arrive, results when they arrive. A value that fails names
 * the first offending field.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { agentMethodDefs, type AgentMethod, type AgentMethods, type AgentResults } from './method-schemas.ts';
import { AgentToServerSchema, ServerToAgentSchema, type AgentToServer, type ServerToAgent } from './messages.ts';

export class WireValidationError extends Error {
  readonly code = 'bad_message';
  constructor(what: string, readonly path: string, detail: string) {
    super(`${what}: ${path || '(root)'} ${detail}`);
    this.name = 'WireValidationError';
  }
}

function checker<T extends TSchema>(schema: T): TypeCheck<T> { return TypeCompiler.Compile(schema); }

function assertValid<T extends TSchema>(check: TypeCheck<T>, value: unknown, what: string): asserts value is Static<T> {
  if (check.Check(value)) return;
  const first = check.Errors(value).First();
  throw new WireValidationError(what, first?.path ?? '', first?.message ?? 'is invalid');
}

const agentFrame = checker(AgentToServerSchema);
const serverFrame = checker(ServerToAgentSchema);
type Checks = { [M in AgentMethod]: { params: TypeCheck<(typeof agentMethodDefs)[M]['params']>; result: TypeCheck<(typeof agentMethodDefs)[M]['result']> } };
const methodChecks = Object.fromEntries(
  Object.entries(agentMethodDefs).map(([m, d]) => [m, { params: checker(d.params), result: checker(d.result) }]),
) as unknown as Checks;

export function parseAgentFrame(value: unknown): AgentToServer {
  assertValid(agentFrame, value, 'agent frame');
  return value;
}

export function parseServerFrame(value: unknown): ServerToAgent {
  assertValid(serverFrame, value, 'server frame');
  return value;
}

export function checkParams<M extends AgentMethod>(method: M, value: unknown): AgentMethods[M] {
  const check: TypeCheck<TSchema> = methodChecks[method].params;
  assertValid(check, value, `${method} parameters`);
  return value as AgentMethods[M];
}

export function checkResult<M extends AgentMethod>(method: M, value: unknown): AgentResults[M] {
  const check: TypeCheck<TSchema> = methodChecks[method].result;
  assertValid(check, value, `${method} result`);
  return value as AgentResults[M];
}
