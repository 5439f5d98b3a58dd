import type { PlacementRequest } from './scheduler-types.ts';

/**
 * Rejects requests the scheduler cannot reason about (the API validates user
 * input; this guards against programming errors). Throws RangeError.
 */
export function checkPlacementRequest(request: PlacementRequest, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`placement limit must be a positive integer, got ${limit}`);
  }
  if (!(Number.isFinite(request.vcpus) && request.vcpus > 0)) {
    throw new RangeError(`placement request vcpus must be > 0, got ${request.vcpus}`);
  }
  if (!(Number.isFinite(request.memoryMiB) && request.memoryMiB > 0)) {
    throw new RangeError(`placement request memoryMiB must be > 0, got ${request.memoryMiB}`);
  }
  if (!(Number.isFinite(request.rootDiskGiB) && request.rootDiskGiB >= 0)) {
    throw new RangeError(`placement request rootDiskGiB must be >= 0, got ${request.rootDiskGiB}`);
  }
}
