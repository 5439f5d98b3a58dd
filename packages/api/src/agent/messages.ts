/**
 * The frames of the agent link: one WebSocket the agent dials (`/api/v1/agent`), JSON text frames.
 *
 * agent → server: hello (first frame), heartbeat, observed, reply, job, console, display-data, display-close
 * server → agent: welcome, call, console-input, error, lease, display-data, display-close
 *
 * Graphical console streams: the server opens one with the call `instance.displayOpen` (a streamId
 * it chose); then `display-data` frames carry the VNC bytes both ways and `display-close` ends it
 * from either side. A dropped link ends every stream of the host (each side closes its half).
 *
 * Calls are idempotent requests; the agent replies with the same `id`. A call of a job method is
 * answered at once with `{ job: { jobId } }`; `job` frames then carry its progress and its end.
 * On every (re)connect the hello carries the host's full inventory and its jobs (running, and
 * finished ones not yet collected), and the server reconciles against them.
 *
 * Fencing: the welcome gives the agent its registration's generation; every call carries the
 * generation it was made for and the agent refuses older ones (`stale_generation`); every report
 * carries the agent's generation and the server ignores reports of an older one.
 *
 * Host lease (HA): every heartbeat the server accepts renews the host's lease; the server answers
 * with a `lease` frame naming the heartbeat (`renewedAt` echoes its `at`). The agent counts the
 * lease from when it sent that heartbeat, so its own deadline is never later than the server's;
 * when it passes (minus the margin) without a renewal, the agent stops its HA guests itself.
 */
import { Type, type Static } from '@sinclair/typebox';
import { driverCapabilities } from '@kumo/core';
import { HostFactsSchema, JobProgressSchema, PowerStateSchema } from './spec-schemas.ts';
import { MetricBatchSchema } from './metric-schemas.ts';

/** v2: typed results, jobs, capabilities, fencing generations. The server also accepts v1 agents. */
export const agentProtocolVersion = 2;
export const oldestAgentProtocolVersion = 1;

export const InventoryEntrySchema = Type.Object({ instanceId: Type.String(), power: PowerStateSchema, reason: Type.Optional(Type.String()) });
export type InventoryEntry = Static<typeof InventoryEntrySchema>;

export const PoolReportSchema = Type.Object({ path: Type.String(), capacityGiB: Type.Number({ minimum: 0 }), usedGiB: Type.Number({ minimum: 0 }) });
export type PoolReport = Static<typeof PoolReportSchema>;

export const CapabilitySchema = Type.Union(driverCapabilities.map((c) => Type.Literal(c)));

export const JobStateSchema = Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);
export type JobState = Static<typeof JobStateSchema>;

export const WireErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });
export type WireError = Static<typeof WireErrorSchema>;

/** A job as the agent lists it in its hello. */
export const JobSummarySchema = Type.Object({
  jobId: Type.String(), key: Type.String(), method: Type.String(), state: JobStateSchema, startedAt: Type.String(),
  progress: Type.Optional(JobProgressSchema), result: Type.Optional(Type.Unknown()), error: Type.Optional(WireErrorSchema),
});
export type JobSummary = Static<typeof JobSummarySchema>;

export const HelloSchema = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer(),
  /** Join token for a first contact, or the host credentials the server issued before. */
  token: Type.String(),
  hostName: Type.String({ minLength: 1 }),
  /** Address other hosts use to reach this one (migration, transfers, VXLAN underlay). */
  address: Type.String(),
  hypervisor: Type.Union([Type.Literal('qemu'), Type.Literal('lxc'), Type.Literal('fake')]),
  facts: HostFactsSchema,
  pools: Type.Array(PoolReportSchema),
  inventory: Type.Array(InventoryEntrySchema),
  agentVersion: Type.String(),
  /** What the host kernel can do for guest networking; absent when the agent has no network agent. */
  networkCapabilities: Type.Optional(Type.Object({ vlan8021q: Type.Boolean() })),
  /** v2: what the driver can do. v1 agents omit it (protocolV1Capabilities are assumed). */
  capabilities: Type.Optional(Type.Array(CapabilitySchema)),
  /** v2: jobs running or finished since the last connection. */
  jobs: Type.Optional(Type.Array(JobSummarySchema)),
});
export type HelloMessage = Static<typeof HelloSchema>;

export const HeartbeatSchema = Type.Object({
  type: Type.Literal('heartbeat'), at: Type.String(), pools: Type.Array(PoolReportSchema), generation: Type.Optional(Type.Integer()),
  /** Protocol 2, optional: the host's and its instances' metric samples taken since the last heartbeat. */
  metrics: Type.Optional(MetricBatchSchema),
});
export type HeartbeatMessage = Static<typeof HeartbeatSchema>;

export const ObservedSchema = Type.Object({ type: Type.Literal('observed'), instances: Type.Array(InventoryEntrySchema), generation: Type.Optional(Type.Integer()) });
export type ObservedMessage = Static<typeof ObservedSchema>;

export const ConsoleOutputSchema = Type.Object({ type: Type.Literal('console'), instanceId: Type.String(), data: Type.String() });
export type ConsoleOutputMessage = Static<typeof ConsoleOutputSchema>;

/** Bytes of a graphical console stream (base64), either direction. */
export const DisplayDataSchema = Type.Object({ type: Type.Literal('display-data'), streamId: Type.String(), data: Type.String() });
export type DisplayDataMessage = Static<typeof DisplayDataSchema>;

/** The end of a graphical console stream, either direction. */
export const DisplayCloseSchema = Type.Object({ type: Type.Literal('display-close'), streamId: Type.String(), reason: Type.Optional(Type.String()) });
export type DisplayCloseMessage = Static<typeof DisplayCloseSchema>;

export const ReplySchema = Type.Object({
  type: Type.Literal('reply'), id: Type.String(), ok: Type.Boolean(),
  result: Type.Optional(Type.Unknown()),
  /** For job methods: the job the call started (or re-attached to). */
  job: Type.Optional(Type.Object({ jobId: Type.String() })),
  error: Type.Optional(WireErrorSchema),
});
export type ReplyMessage = Static<typeof ReplySchema>;

export const JobFrameSchema = Type.Object({
  type: Type.Literal('job'), jobId: Type.String(), generation: Type.Optional(Type.Integer()),
  event: Type.Union([Type.Literal('progress'), Type.Literal('done')]),
  progress: Type.Optional(JobProgressSchema),
  state: Type.Optional(JobStateSchema),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(WireErrorSchema),
});
export type JobFrame = Static<typeof JobFrameSchema>;

export const AgentToServerSchema = Type.Union([HelloSchema, HeartbeatSchema, ObservedSchema, ConsoleOutputSchema, ReplySchema, JobFrameSchema, DisplayDataSchema, DisplayCloseSchema]);
export type AgentToServer = Static<typeof AgentToServerSchema>;

export const WelcomeSchema = Type.Object({
  type: Type.Literal('welcome'), hostId: Type.String(),
  /** Credentials for reconnecting (replaces the join token); the agent stores it. */
  hostToken: Type.String(),
  heartbeatIntervalMs: Type.Integer({ minimum: 1 }), serverTime: Type.String(),
  /** v2: the protocol the server will speak on this link, and this registration's fencing generation. */
  protocol: Type.Optional(Type.Integer()), generation: Type.Optional(Type.Integer()),
});
export type WelcomeMessage = Static<typeof WelcomeSchema>;

export const CallSchema = Type.Object({
  type: Type.Literal('call'), id: Type.String(), method: Type.String(), params: Type.Unknown(), timeoutMs: Type.Integer({ minimum: 0 }),
  /** v2: the registration this call was made for; older than the agent's → refused. */
  generation: Type.Optional(Type.Integer()),
  /** v2, job methods: a key naming the work; a second call with the same key attaches to the same job. */
  jobKey: Type.Optional(Type.String()),
});
export type CallMessage = Static<typeof CallSchema>;

export const ConsoleInputSchema = Type.Object({ type: Type.Literal('console-input'), instanceId: Type.String(), data: Type.String() });
export type ConsoleInputMessage = Static<typeof ConsoleInputSchema>;

export const ErrorFrameSchema = Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() });
export type ErrorMessage = Static<typeof ErrorFrameSchema>;

/** Protocol 2: the host's lease was renewed by the heartbeat sent at `renewedAt` (the heartbeat's own `at`). */
export const LeaseSchema = Type.Object({
  type: Type.Literal('lease'), renewedAt: Type.String(),
  /** The lease lasts this long from the heartbeat; the agent stops its HA guests `marginMs` before it ends without a renewal. */
  leaseMs: Type.Integer({ minimum: 1 }), marginMs: Type.Integer({ minimum: 0 }),
  /** The HA instances the server places on this host (the ones to stop when the lease is lost). */
  haInstanceIds: Type.Array(Type.String()),
  /** Lease files to touch (volumes of those instances on shared directory pools): proof this host still holds them. */
  leaseFiles: Type.Array(Type.String({ pattern: '^/' })),
});
export type LeaseMessage = Static<typeof LeaseSchema>;

export const ServerToAgentSchema = Type.Union([WelcomeSchema, CallSchema, ConsoleInputSchema, ErrorFrameSchema, LeaseSchema, DisplayDataSchema, DisplayCloseSchema]);
export type ServerToAgent = Static<typeof ServerToAgentSchema>;
