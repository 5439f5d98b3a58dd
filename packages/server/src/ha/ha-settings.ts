import { ApiError } from '@kumo/api';
import type { Repos, ZoneRow } from '@kumo/db';

/** A zone's HA settings (migration 014; `kumo zone ha-settings`). */
export interface HaSettings {
  /** How long a heartbeat keeps the host's lease; a host silent for longer is presumed lost. */
  leaseMs: number;
  /** A host that cannot renew stops its HA guests this long before its lease ends. */
  fenceMarginMs: number;
  /** HA restarts that run at once in the zone (a storm is bounded by it and by capacity). */
  restartConcurrency: number;
}

/**
 * Defaults: heartbeats every 10 s, a 20 s lease (one lost heartbeat is tolerated), guests stopped by
 * their host 5 s before the lease ends: a guest is back elsewhere within ~25–30 s of its host's loss.
 */
export const defaultHaSettings: HaSettings = { leaseMs: 20_000, fenceMarginMs: 5_000, restartConcurrency: 4 };

export async function zoneHaSettings(repos: Repos, zoneId: string): Promise<HaSettings> {
  const z = await repos.db.selectFrom('zones').select(['haLeaseMs', 'haFenceMarginMs', 'haRestartConcurrency']).where('id', '=', zoneId).executeTakeFirst();
  return haSettingsOf(z ?? {});
}

/** The settings a zone row holds (defaults where the columns are absent). */
export function haSettingsOf(z: Pick<ZoneRow, 'haLeaseMs' | 'haFenceMarginMs' | 'haRestartConcurrency'>): HaSettings {
  return {
    leaseMs: z.haLeaseMs ?? defaultHaSettings.leaseMs,
    fenceMarginMs: z.haFenceMarginMs ?? defaultHaSettings.fenceMarginMs,
    restartConcurrency: z.haRestartConcurrency ?? defaultHaSettings.restartConcurrency,
  };
}

/**
 * Merge a change into the current settings and check them together: the margin must leave the
 * host most of its lease (at most half of it), or a host would stop its guests at every hiccup.
 * Returns the zone columns to write.
 */
export function haSettingsPatch(current: HaSettings, change: Partial<HaSettings>): Pick<ZoneRow, 'haLeaseMs' | 'haFenceMarginMs' | 'haRestartConcurrency'> {
  const next = { ...current, ...change };
  if (next.fenceMarginMs * 2 > next.leaseMs) {
    throw new ApiError('bad_request', `ha.fenceMarginMs (${next.fenceMarginMs}) must be at most half of ha.leaseMs (${next.leaseMs})`, { field: change.fenceMarginMs !== undefined ? 'ha.fenceMarginMs' : 'ha.leaseMs' });
  }
  return { haLeaseMs: next.leaseMs, haFenceMarginMs: next.fenceMarginMs, haRestartConcurrency: next.restartConcurrency };
}
