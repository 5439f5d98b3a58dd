import type { Repos } from '@kumo/db';

/**
 * The scripted history of the usage crash test (usage-crash.test.ts): at step k (time t0 + k × 37
 * minutes) the instance goes running on odd steps and stopped on even ones, and the data volume is
 * resized to 10 + k GiB. Each change is one compare-and-swap, as the controller writes them; each
 * resource's version says how many steps of it are stored (version = 1 + steps).
 */
export const crashStepMs = 37 * 60_000;
export const phaseAt = (k: number): 'running' | 'stopped' => (k % 2 === 1 ? 'running' : 'stopped');
export const sizeAt = (k: number): number => 10 + k;

/** Step k of the instance: its phase, one CAS at t0 + k × crashStepMs. */
export async function applyInstanceStep(repos: Repos, instanceId: string, t0: number, k: number): Promise<void> {
  const inst = await repos.instances.getAny(instanceId);
  if (!inst || inst.version !== k) throw new Error(`instance is at version ${inst?.version}, step ${k} expects ${k}`);
  if (await repos.instances.compareAndSwap(instanceId, inst.version, { phase: phaseAt(k) }, new Date(t0 + k * crashStepMs).toISOString()) === null) throw new Error('instance CAS lost');
}

/** Step k of the volume: its size, one CAS at t0 + k × crashStepMs. */
export async function applyVolumeStep(repos: Repos, volumeId: string, t0: number, k: number): Promise<void> {
  const vol = await repos.volumes.getAny(volumeId);
  if (!vol || vol.version !== k) throw new Error(`volume is at version ${vol?.version}, step ${k} expects ${k}`);
  if (await repos.volumes.compareAndSwap(volumeId, vol.version, { sizeGiB: sizeAt(k) }, new Date(t0 + k * crashStepMs).toISOString()) === null) throw new Error('volume CAS lost');
}

/**
 * What the scripted history says was used by `endMs` when the instance has taken `instanceSteps`
 * steps and the volume `volumeSteps` (hours, GiB-hours): the instance was created at t0 (stopped
 * until step 1), the volume at t0 with 10 GiB.
 */
export function expectedUsage(t0: number, instanceSteps: number, volumeSteps: number, endMs: number): { allocated: number; running: number; volumeGiBHours: number } {
  const h = 3_600_000;
  const t = (k: number): number => t0 + k * crashStepMs;
  let running = 0;
  for (let k = 1; k <= instanceSteps; k++) if (phaseAt(k) === 'running') running += (k === instanceSteps ? endMs : t(k + 1)) - t(k);
  let gib = 10 * ((volumeSteps === 0 ? endMs : t(1)) - t0);
  for (let k = 1; k <= volumeSteps; k++) gib += sizeAt(k) * ((k === volumeSteps ? endMs : t(k + 1)) - t(k));
  return { allocated: (endMs - t0) / h, running: running / h, volumeGiBHours: gib / h };
}
