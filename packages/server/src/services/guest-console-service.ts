/**
 * The graphical console, screenshots and the guest agent of an instance, for the routes: tenant
 * check first (another account's instance is not_found), then the host's capability, then the
 * agent call. Host errors come back as API errors that say what to do.
 *
 * One-time console tickets (`kumo instance vnc`): a random token, good for one WebSocket within
 * ticketTtlMs, bound to the instance and the scope of who asked. Kept in this server's memory: with
 * several servers behind a proxy, the URL must reach the server that issued it (sticky routing), or
 * the user asks again.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type GuestDisplayHandlers, type GuestInfo } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { InstanceRow, Repos, Scope } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';

const livePhases: ReadonlySet<string> = new Set(['running', 'paused']);

export interface DisplayTicket { ticket: string; instanceId: string; expiresAt: string }

interface StoredTicket { instanceId: string; scope: Scope; expiresAt: number }

export class GuestConsoleService {
  private readonly tickets = new Map<string, StoredTicket>();

  constructor(
    private readonly repos: Repos, private readonly gateway: AgentGateway,
    private readonly clock: Clock = systemClock, private readonly ticketTtlMs = 60_000,
  ) {}

  /** The instance (of the caller's account), running on a connected host that has `capability`. */
  private async liveOn(scope: Scope, id: string, what: string, capability?: 'graphical-console'): Promise<InstanceRow & { hostId: string }> {
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    if (!livePhases.has(inst.phase) || !inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}: ${what} needs it running`, { phase: inst.phase });
    const hostId = inst.hostId;
    if (capability) {
      const host = await this.repos.hosts.capabilitiesOf(hostId);
      if (!host?.capabilities.includes(capability)) {
        throw new ApiError('capability_missing', `host ${host?.name ?? hostId} has no ${capability}: ${what} is not possible for ${inst.name}`, { capability, hostId });
      }
    }
    if (!this.gateway.isConnected(hostId)) throw new ApiError('host_unavailable', `the host of ${inst.name} is not connected`);
    return { ...inst, hostId };
  }

  private hostError(e: unknown, inst: InstanceRow, what: string): never {
    if (!(e instanceof AgentCallError)) throw e;
    switch (e.code) {
      case 'invalid_state': case 'not_found': throw new ApiError('invalid_state', `${what} of ${inst.name}: ${e.message}`);
      case 'unsupported': throw new ApiError('invalid_state', `${what} of ${inst.name}: ${e.message}`);
      case 'timeout': throw new ApiError('invalid_state', `${what} of ${inst.name}: ${e.message}`, { reason: 'timeout' });
      default: throw new ApiError('operation_failed', `${what} of ${inst.name} failed on its host: ${e.message}`);
    }
  }

  async screenshot(scope: Scope, id: string): Promise<Buffer> {
    const inst = await this.liveOn(scope, id, 'a screenshot', 'graphical-console');
    try {
      return Buffer.from(await this.gateway.call(inst.hostId, 'instance.screenshot', { instanceId: inst.id }, 15_000), 'base64');
    } catch (e) { this.hostError(e, inst, 'screenshot'); }
  }

  async openDisplay(scope: Scope, id: string, handlers: GuestDisplayHandlers): Promise<{ write(data: Buffer): boolean; close(): void }> {
    const inst = await this.liveOn(scope, id, 'the graphical console', 'graphical-console');
    try {
      return await this.gateway.openDisplay(inst.hostId, inst.id, handlers);
    } catch (e) { this.hostError(e, inst, 'graphical console'); }
  }

  /** A one-time ticket for the graphical console of an instance the caller may see (checked now and again when used). */
  async issueTicket(scope: Scope, id: string): Promise<DisplayTicket> {
    const inst = await this.liveOn(scope, id, 'the graphical console', 'graphical-console');
    this.dropExpired();
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = this.clock.now() + this.ticketTtlMs;
    this.tickets.set(ticket, { instanceId: inst.id, scope, expiresAt });
    return { ticket, instanceId: inst.id, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Uses up a ticket: the scope and instance it was issued for, or unauthenticated (unknown, used or expired). */
  redeemTicket(ticket: string): { scope: Scope; instanceId: string } {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t || t.expiresAt <= this.clock.now()) throw new ApiError('unauthenticated', 'this console link is unknown, used or expired; ask for a new one (kumo instance vnc)');
    return { scope: t.scope, instanceId: t.instanceId };
  }

  private dropExpired(): void {
    const now = this.clock.now();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
  }

  async guestInfo(scope: Scope, id: string): Promise<GuestInfo> {
    const inst = await this.liveOn(scope, id, 'guest information');
    try {
      return await this.gateway.call(inst.hostId, 'instance.guestInfo', { instanceId: inst.id }, 30_000);
    } catch (e) { this.hostError(e, inst, 'guest agent'); }
  }

  async setPassword(scope: Scope, id: string, user: string, password: string): Promise<void> {
    const inst = await this.liveOn(scope, id, 'setting a password');
    try {
      await this.gateway.call(inst.hostId, 'instance.setGuestPassword', { instanceId: inst.id, user, password }, 30_000);
    } catch (e) { this.hostError(e, inst, 'set password'); }
  }
}
