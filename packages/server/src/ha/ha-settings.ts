import type { Repos } from '@kumo/db';

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

export const haSettingLimits = {
  leaseMs: { min: 2_000, max: 600_000 },
  fenceMarginMs: { min: 500, max: 300_000 },
  restartConcurrency: { min: 1, max: 256 },
} as const;

export async function zoneHaSettings(repos: Repos, zoneId: string): Promise<HaSettings> {
  const z = await repos.db.selectFrom('zones').select(['haLeaseMs', 'haFenceMarginMs', 'haRestartConcurrency']).where('id', '=', zoneId).executeTakeFirst();
  return {
    leaseMs: z?.haLeaseMs ?? defaultHaSettings.leaseMs,
    fenceMarginMs: z?.haFenceMarginMs ?? defaultHaSettings.fenceMarginMs,
    restartConcurrency: z?.haRestartConcurrency ?? defaultHaSettings.restartConcurrency,
  };
}
