/**
 * Weighing, shared by placeInstance and CapacityIndex so both rank hosts with
 * the very same floating-point operations.
 *
 * Both strategies rank by the free memory ratio the host would have after the
 * placement, then by the free CPU ratio, then by host id (ascending):
 * - spread prefers the highest ratios (emptiest hosts, like Nova's RAMWeigher),
 * - pack prefers the lowest ratios (fill hosts before opening new ones).
 */

/** Share of `capacity` still free once `requested` is added to `allocated`. */
export function freeRatioAfter(capacity: number, allocated: number, requested: number): number {
  return (capacity - allocated - requested) / capacity;
}

/** +1 for spread, -1 for pack: keys are multiplied by it so that higher is always better. */
export function strategySign(strategy: 'spread' | 'pack'): 1 | -1 {
  return strategy === 'spread' ? 1 : -1;
}

/** The score reported with a candidate: free memory ratio (spread) or used memory ratio (pack). */
export function placementScore(strategy: 'spread' | 'pack', memoryFreeRatio: number): number {
  return strategy === 'spread' ? memoryFreeRatio : 1 - memoryFreeRatio;
}
