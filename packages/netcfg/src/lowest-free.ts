/** Lowest integer in [start, end] not in `used`; undefined when all are taken. O(|used|). */
export function lowestFree(start: number, end: number, used: ReadonlySet<number>): number | undefined {
  for (let candidate = start; candidate <= end; candidate++) {
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}
