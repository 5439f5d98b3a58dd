/**
 * The wire protocol between the management server and host agents, over one WebSocket
 * that the agent dials (`/api/v1/agent`). JSON text frames.
 *
 * agent → server: hello (first frame), heartbeat, observed, reply, console
 * server → agent: welcome, call, console-input, error
 *
 * Calls are idempotent requests; the agent replies with the same `id`. On every (re)connect
 * the agent's hello carries its full inventory and the server reconciles against it.
 */
import type { PowerState, InstanceSpec, HostFacts } from '@kumo/core';

export const agentProtocolVersion = 1;

export interface InventoryEntry { instanceId: string; power: PowerState; reason?: string }

export interface PoolReport { path: string; capacityGiB: number; usedGiB: number }

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  /** Join token for a first contact, or the host credentials the server issued before. */
  token: string;
  hostName: string;
  /** Address other hosts use to reach this one (migration, VXLAN underlay). */
  address: string;
  hypervisor: 'qemu' | 'lxc' | 'fake';
  facts: HostFacts;
  pools: PoolReport[];
  inventory: InventoryEntry[];
  agentVersion: string;
  /** What the host kernel can do for guest networking; absent when the agent has no network agent. */
  networkCapabilities?: { vlan8021q: boolean };
}

export interface WelcomeMessage {
  type: 'welcome';
  hostId: string;
  /** Credentials for reconnecting (replaces the join token); the agent stores it. */
  hostToken: string;
  heartbeatIntervalMs: number;
  serverTime: string;
}

export interface HeartbeatMessage { type: 'heartbeat'; at: string; pools: PoolReport[] }

export interface ObservedMessage { type: 'observed'; instances: InventoryEntry[] }

export interface ConsoleOutputMessage { type: 'console'; instanceId: string; data: string /* base64 */ }

/** The methods a server may call on an agent and what they take. */
export interface AgentMethods {
  'instance.start': { spec: InstanceSpec; image: ImageRef | null };
  'instance.stop': { instanceId: string; force: boolean; timeoutSec: number; statePath?: string };
  'instance.reboot': { instanceId: string };
  'instance.pause': { instanceId: string };
  'instance.resume': { instanceId: string };
  'instance.save': { instanceId: string; statePath: string };
  'instance.restore': { spec: InstanceSpec; image: ImageRef | null; statePath: string };
  /** Forget the instance on this host; statePath, when given, is a saved-state file to remove too. */
  'instance.destroy': { instanceId: string; statePath?: string };
  'instance.inspect': { instanceId: string };
  'instance.consoleLog': { instanceId: string };
  /**
   * The whole desired guest networking of the host (the HostNetworkSpec of @kumo/netagent, built by
   * the server from the database); the agent validates it. Answers the agent's apply report.
   */
  'network.apply': { spec: unknown };
  'volume.create': { volumeId: string; instanceId: string; poolPath: string; sizeGiB: number; provisioning: 'linked' | 'full'; image: ImageRef | null };
  'volume.delete': { volumeId: string; poolPath: string };
}
export type AgentMethod = keyof AgentMethods;

export interface ImageRef { imageVersionId: string; url: string; sha256: string; format: string; sizeBytes: number }

export interface CallMessage<M extends AgentMethod = AgentMethod> {
  type: 'call'; id: string; method: M; params: AgentMethods[M]; timeoutMs: number;
}
export interface ReplyMessage {
  type: 'reply'; id: string; ok: boolean; result?: unknown;
  error?: { code: string; message: string };
}
export interface ConsoleInputMessage { type: 'console-input'; instanceId: string; data: string /* base64 */ }
export interface ErrorMessage { type: 'error'; code: string; message: string }

export type AgentToServer = HelloMessage | HeartbeatMessage | ObservedMessage | ReplyMessage | ConsoleOutputMessage;
export type ServerToAgent = WelcomeMessage | CallMessage | ConsoleInputMessage | ErrorMessage;
