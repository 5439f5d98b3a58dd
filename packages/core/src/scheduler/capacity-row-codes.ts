import { placementFilterNames } from './scheduler-types.ts';
import type { SchedulerHypervisor } from './scheduler-types.ts';

/**
 * The codes CapacityIndex stores in its columns and the positions of the scheduler's filters in its
 * failure counters, with the small helpers of its scan.
 */
export const hypervisors: readonly SchedulerHypervisor[] = ['qemu', 'lxc', 'fake'];
/** Code of "no constraint" in a prepared request, and of a name the index never saw. */
export const ANY = -1;
export const UNKNOWN = -2;
/** dedicatedAccount column value of a host shared by all accounts. */
export const SHARED_HOST = -1;
/** Tag codes below this are also kept in the tagBits column. */
export const TAG_BITS = 31;
/** state column value of an `up` host. */
export const UP = 0;

/** Position of each filter in placementFilterNames (and in the `removed` counters). */
export const filterIndex = (name: (typeof placementFilterNames)[number]): number => placementFilterNames.indexOf(name);
export const ZONE = filterIndex('zone');
export const POD = filterIndex('pod');
export const CLUSTER = filterIndex('cluster');
export const HYPERVISOR = filterIndex('hypervisor');
export const HOST_STATE = filterIndex('host-state');
export const DEDICATION = filterIndex('dedication');
export const HOST_TAGS = filterIndex('host-tags');
export const EXCLUDE = filterIndex('exclude');
export const AFFINITY = filterIndex('affinity');
export const ANTI_AFFINITY = filterIndex('anti-affinity');
export const CPU = filterIndex('cpu');
export const MEMORY = filterIndex('memory');
export const POOL = filterIndex('pool');

export function codeOf<T>(values: readonly T[], value: T, what: string): number {
  const code = values.indexOf(value);
  if (code < 0) throw new RangeError(`unknown ${what}: ${String(value)}`);
  return code;
}

export function inEverySet(sets: readonly Set<number>[], row: number): boolean {
  for (let i = 0; i < sets.length; i++) if (!sets[i]!.has(row)) return false;
  return true;
}

export function hasAllTags(hostTags: Int32Array, wanted: readonly number[]): boolean {
  for (let w = 0; w < wanted.length; w++) {
    const tag = wanted[w]!;
    let found = false;
    for (let t = 0; t < hostTags.length; t++) {
      if (hostTags[t] === tag) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
