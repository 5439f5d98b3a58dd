/**
 * Every method the server may call on an agent: its parameters, its result, whether it runs as a
 * job (answered at once with a job id, then progress frames and a final result; see jobs.ts), the
 * capability that gates it, and the first protocol version that has it. Both ends validate
 * parameters and results against these schemas.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { DriverCapability } from '@kumo/core';
import { InstanceSpecSchema, InstanceStatusSchema } from './spec-schemas.ts';

export const ImageRefSchema = Type.Object({
  imageVersionId: Type.String(),
  url: Type.String(),
  sha256: Type.String(),
  format: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
});
export type ImageRef = Static<typeof ImageRefSchema>;

const InstanceIdParams = Type.Object({ instanceId: Type.String({ minLength: 1 }) });
const AbsolutePath = Type.String({ pattern: '^/' });

/** The network agent's apply report (packages/netagent: apply-report.ts). */
export const NetworkApplyReportSchema = Type.Object({
  generation: Type.Integer(),
  ok: Type.Boolean(),
  changes: Type.Array(Type.Object({ action: Type.String(), kind: Type.String(), id: Type.String(), detail: Type.String() })),
  errors: Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) })),
  durationMs: Type.Number({ minimum: 0 }),
});

interface MethodDef {
  params: TSchema;
  result: TSchema;
  /** Runs as a job: progress, cancel, deadline, survives a dropped connection. */
  job: boolean;
  /** Refused up front for hosts that lack it. */
  capability?: DriverCapability;
  /** First protocol version with this method. */
  since: 1 | 2;
}

function method<P extends TSchema, R extends TSchema>(params: P, result: R, opts: Omit<MethodDef, 'params' | 'result'>) {
  return { params, result, ...opts };
}

export const agentMethodDefs = {
  'instance.start': method(Type.Object({ spec: InstanceSpecSchema, image: Type.Union([ImageRefSchema, Type.Null()]) }), InstanceStatusSchema, { job: true, since: 1 }),
  'instance.stop': method(Type.Object({
    instanceId: Type.String({ minLength: 1 }), force: Type.Boolean(), timeoutSec: Type.Integer({ minimum: 0 }), statePath: Type.Optional(AbsolutePath),
  }), InstanceStatusSchema, { job: false, since: 1 }),
  'instance.reboot': method(InstanceIdParams, InstanceStatusSchema, { job: false, since: 1 }),
  'instance.pause': method(InstanceIdParams, InstanceStatusSchema, { job: false, capability: 'pause', since: 1 }),
  'instance.resume': method(InstanceIdParams, InstanceStatusSchema, { job: false, capability: 'pause', since: 1 }),
  'instance.save': method(Type.Object({ instanceId: Type.String({ minLength: 1 }), statePath: AbsolutePath }), InstanceStatusSchema, { job: true, capability: 'save-restore', since: 1 }),
  'instance.restore': method(Type.Object({ spec: InstanceSpecSchema, image: Type.Union([ImageRefSchema, Type.Null()]), statePath: AbsolutePath }), InstanceStatusSchema, { job: true, capability: 'save-restore', since: 1 }),
  /** Forget the instance on this host; statePath, when given, is a saved-state file to remove too. */
  'instance.destroy': method(Type.Object({ instanceId: Type.String({ minLength: 1 }), statePath: Type.Optional(AbsolutePath) }), Type.Null(), { job: false, since: 1 }),
  'instance.inspect': method(InstanceIdParams, InstanceStatusSchema, { job: false, since: 1 }),
  /** Recent console output, base64. */
  'instance.consoleLog': method(InstanceIdParams, Type.String({ contentEncoding: 'base64' }), { job: false, since: 1 }),
  /**
   * The whole desired guest networking of the host (the HostNetworkSpec of @kumo/netagent, built by
   * the server from the database). Its shape belongs to the network agent, which validates it fully.
   */
  'network.apply': method(Type.Object({ spec: Type.Object({ generation: Type.Integer({ minimum: 0 }) }, { additionalProperties: true }) }), NetworkApplyReportSchema, { job: false, since: 1 }),
  'volume.create': method(Type.Object({
    volumeId: Type.String({ minLength: 1 }), instanceId: Type.String({ description: 'empty for a volume of no instance' }), poolPath: AbsolutePath, sizeGiB: Type.Integer({ minimum: 0 }),
    provisioning: Type.Union([Type.Literal('linked'), Type.Literal('full')]), image: Type.Union([ImageRefSchema, Type.Null()]),
  }), Type.Object({ path: Type.String() }), { job: true, since: 1 }),
  'volume.delete': method(Type.Object({ volumeId: Type.String({ minLength: 1 }), poolPath: AbsolutePath }), Type.Null(), { job: false, since: 1 }),
  /** Stop a running job; the host is left as it was before the job (the job ends with error `cancelled`). */
  'job.cancel': method(Type.Object({ jobId: Type.String({ minLength: 1 }) }), Type.Object({ found: Type.Boolean(), state: Type.String() }), { job: false, since: 2 }),
  /**
   * Host-to-host transfers: the target listens on a port the server allocated and writes what it
   * receives to a file (written to `path.partial`, renamed when complete); the source streams a file
   * to it as a job with byte progress. Migration streams and disk mirrors build on these listeners.
   */
  'transfer.listen': method(Type.Object({ transferId: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), path: AbsolutePath }), Type.Object({ address: Type.String(), port: Type.Integer() }), { job: false, since: 2 }),
  'transfer.send': method(Type.Object({ transferId: Type.String({ minLength: 1 }), address: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), path: AbsolutePath }), Type.Object({ bytes: Type.Integer(), sha256: Type.String() }), { job: true, since: 2 }),
  /** Close a listener; reports what it received (`complete` once the sender finished). */
  'transfer.close': method(Type.Object({ transferId: Type.String({ minLength: 1 }) }), Type.Object({ found: Type.Boolean(), complete: Type.Boolean(), bytes: Type.Integer(), sha256: Type.Union([Type.String(), Type.Null()]) }), { job: false, since: 2 }),
} satisfies Record<string, MethodDef>;

export type AgentMethod = keyof typeof agentMethodDefs;
export type AgentMethods = { [M in AgentMethod]: Static<(typeof agentMethodDefs)[M]['params']> };
export type AgentResults = { [M in AgentMethod]: Static<(typeof agentMethodDefs)[M]['result']> };
export const agentMethodNames = Object.keys(agentMethodDefs) as AgentMethod[];

export function isAgentMethod(name: string): name is AgentMethod {
  return Object.hasOwn(agentMethodDefs, name);
}
