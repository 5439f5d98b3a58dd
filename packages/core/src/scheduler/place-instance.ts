import { CandidateTopK } from './candidate-top-k.ts';
import { buildFilterCounts, describePlacementFailure } from './placement-failure.ts';
import { checkPlacementRequest } from './placement-request-check.ts';
import { choosePool, hostFilters, makeFilterContext } from './scheduler-filters.ts';
import { defaultPlacementLimit } from './scheduler-types.ts';
import type { PlacementRequest, PlacementResult, SchedulerHost } from './scheduler-types.ts';
import { freeRatioAfter, placementScore, strategySign } from './scheduler-weighers.ts';

/**
 * Chooses hosts for a new instance (filter scheduler, as in Nova and CloudStack):
 * every host goes through the filters in order (zone, pod, cluster, hypervisor,
 * host-state, dedication, host-tags, exclude, affinity, anti-affinity, cpu,
 * memory, pool); survivors are weighed (see scheduler-weighers.ts) and the best
 * `limit` are returned, best first, each with the pool for its root disk.
 * The caller tries them in order (a start can still fail on the host).
 *
 * On failure the result counts, per filter, the hosts that reached it and the
 * hosts it removed, and the message names the filters that removed hosts.
 *
 * CapacityIndex.place gives the same answer from an incremental in-memory index.
 */
export function placeInstance(
  hosts: readonly SchedulerHost[],
  request: PlacementRequest,
  limit: number = defaultPlacementLimit,
): PlacementResult {
  checkPlacementRequest(request, limit);
  const ctx = makeFilterContext(request);
  const removed = hostFilters.map(() => 0);
  const top = new CandidateTopK(limit);
  const sign = strategySign(request.strategy);

  for (const host of hosts) {
    const failed = hostFilters.findIndex((filter) => !filter.passes(host, ctx));
    if (failed >= 0) {
      removed[failed] = (removed[failed] ?? 0) + 1;
      continue;
    }
    const pool = choosePool(host.pools, request.rootDiskGiB);
    if (pool === undefined) throw new Error('unreachable: pool filter passed without a pool');
    const memoryRatio = freeRatioAfter(host.memoryMiB * host.memoryOvercommit, host.memoryAllocatedMiB, request.memoryMiB);
    const cpuRatio = freeRatioAfter(host.cpus * host.cpuOvercommit, host.cpuAllocated, request.vcpus);
    top.offer(host.id, pool.id, sign * memoryRatio, sign * cpuRatio, placementScore(request.strategy, memoryRatio));
  }

  if (top.size > 0) return { ok: true, candidates: top.candidates() };
  const filters = buildFilterCounts(hosts.length, removed);
  return { ok: false, message: describePlacementFailure(request, filters), filters };
}
