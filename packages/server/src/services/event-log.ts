import { newId, type Clock } from '@kumo/core';
import type { Kysely } from 'kysely';
import type { Database, Repos } from '@kumo/db';
import type { Notifier } from './notifier.ts';

export interface EventInput {
  accountId: string; resourceType: string; resourceId: string; kind: string;
  severity?: 'info' | 'warning' | 'error'; message: string;
}

/** The user-readable history of what happened to resources. */
export class EventLog {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly notifier: Notifier) {}

  async record(e: EventInput, db: Kysely<Database> = this.repos.db): Promise<void> {
    const id = newId('event', this.clock.now());
    await this.repos.events.append({ id, accountId: e.accountId, resourceType: e.resourceType, resourceId: e.resourceId, kind: e.kind, severity: e.severity ?? 'info', message: e.message, createdAt: new Date(this.clock.now()).toISOString() }, db);
    this.notifier.publish({ kind: 'event', id, accountId: e.accountId });
  }
}
