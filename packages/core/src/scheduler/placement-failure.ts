import { placementFilterNames } from './scheduler-types.ts';
import type { PlacementFilterCount, PlacementRequest } from './scheduler-types.ts';

/** Turns "removed per filter" (indexed like placementFilterNames) into before/removed rows. */
export function buildFilterCounts(totalHosts: number, removed: readonly number[]): PlacementFilterCount[] {
  const rows: PlacementFilterCount[] = [];
  let before = totalHosts;
  placementFilterNames.forEach((filter, i) => {
    const r = removed[i] ?? 0;
    rows.push({ filter, before, removed: r });
    before -= r;
  });
  return rows;
}

function hosts(n: number): string {
  return n === 1 ? '1 host' : `${n} hosts`;
}

/**
 * The message of a failed placement, e.g.
 * "no host fits: 1000 hosts in zone z1; host-state removed 10, memory removed 990".
 */
export function describePlacementFailure(request: PlacementRequest, rows: readonly PlacementFilterCount[]): string {
  const zone = rows[0];
  const inZone = zone ? zone.before - zone.removed : 0;
  if (inZone === 0) {
    return `no host fits: no host in zone ${request.zoneId} (${hosts(zone?.before ?? 0)} in other zones)`;
  }
  const removals = rows
    .slice(1)
    .filter((row) => row.removed > 0)
    .map((row) => `${row.filter} removed ${row.removed}`);
  let message = `no host fits: ${hosts(inZone)} in zone ${request.zoneId}; ${removals.join(', ')}`;
  if (request.accountHasDedicatedHosts) {
    message += '; the account has dedicated hosts and is placed only on them';
  }
  return message;
}
