/**
 * How long each attempt of a live migration spent in each state of its record (preparing,
 * migrating, switching, cleaning), as this server process saw it: logged at every state change, so
 * an operator (and bench/migration) can tell where a slow migration's time went.
 */

/** The slice of the server's logger the migration uses. */
export interface MigrationLog {
  info(obj: object, msg: string): void;
}

export class StepTimes {
  private readonly entered = new Map<string, { state: string; at: number }>();

  /**
   * The attempt enters `state` at `now`; returns the milliseconds it spent in its previous state
   * (undefined when this process did not see it enter it: a restart came between).
   */
  enter(migrationId: string, state: string, now: number): number | undefined {
    const prev = this.entered.get(migrationId);
    if (['succeeded', 'failed', 'cancelled'].includes(state)) this.entered.delete(migrationId);
    else this.entered.set(migrationId, { state, at: now });
    return prev ? now - prev.at : undefined;
  }
}
