/**
 * The alert rules: which conditions raise an alert, with what severity. Alerts are events of kind
 * `alert.<rule>` (the console's notification area shows them; a webhook gets them if configured).
 * Conditions on series are evaluated by the server every minute; conditions on events when the
 * event is recorded.
 */
export const alertRuleNames = ['host-down', 'pool-full', 'instance-cpu-saturated', 'ha-restart', 'host-fenced', 'operation-failed'] as const;
export type AlertRuleName = typeof alertRuleNames[number];
export type AlertSeverity = 'info' | 'warning' | 'error';

export const alertRules: Record<AlertRuleName, { severity: AlertSeverity; description: string }> = {
  'host-down': { severity: 'error', description: 'a host missed its heartbeats long enough to be declared down' },
  'pool-full': { severity: 'warning', description: 'a storage pool is fuller than the threshold (default 85 %)' },
  'instance-cpu-saturated': { severity: 'warning', description: 'an instance used all of its vCPUs (≥ 99 %) in every sample for the window (default 10 minutes)' },
  'ha-restart': { severity: 'warning', description: 'an instance was restarted by high availability after its host failed (or could not be)' },
  'host-fenced': { severity: 'error', description: 'a host lost its lease and was fenced (cut off from its storage) so its HA instances can restart elsewhere' },
  'operation-failed': { severity: 'error', description: 'an operation ended in failure' },
};

export interface AlertThresholds {
  poolUsedPct: number;
  cpuSaturatedPct: number;
  cpuSaturatedForSec: number;
}

export const defaultAlertThresholds: AlertThresholds = { poolUsedPct: 85, cpuSaturatedPct: 99, cpuSaturatedForSec: 600 };

export const alertEventPrefix = 'alert.';

/** The rule an event raises, if any (alerts themselves raise none). */
export function alertRuleForEvent(kind: string): AlertRuleName | null {
  if (kind.startsWith(alertEventPrefix)) return null;
  if (kind === 'host.down') return 'host-down';
  if (kind.startsWith('instance.ha-restart')) return 'ha-restart';
  if (kind === 'host.fenced') return 'host-fenced';
  return null;
}

/** True when a pool's usage is above the threshold. */
export function poolIsFull(p: { capacityGiB: number; usedGiB: number }, t: AlertThresholds = defaultAlertThresholds): boolean {
  return p.capacityGiB > 0 && (100 * p.usedGiB) / p.capacityGiB > t.poolUsedPct;
}
