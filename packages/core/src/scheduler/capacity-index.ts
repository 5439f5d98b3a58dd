import { hypervisorRuns } from '../lifecycle/instance-type.ts';
import { CandidateTopK } from './candidate-top-k.ts';
import { NameInterner } from './name-interner.ts';
import { buildFilterCounts, describePlacementFailure } from './placement-failure.ts';
import { checkPlacementRequest } from './placement-request-check.ts';
import { PoolCapacityTable } from './pool-capacity-table.ts';
import { defaultPlacementLimit, placementFilterNames, schedulerHostStates } from './scheduler-types.ts';
import type {
  PlacementRequest,
  PlacementResult,
  SchedulerHost,
} from './scheduler-types.ts';
import { freeRatioAfter, placementScore, strategySign } from './scheduler-weighers.ts';
import { growFloat64, growInt32, growUint8 } from './typed-column.ts';
import * as rowCodes from './capacity-row-codes.ts';

// Module-local copies: under tsx (esbuild) every use of an imported binding goes
// through a getter, which costs ~20% in the hot loop of place().
const {
  hypervisors, ANY, UNKNOWN, SHARED_HOST, TAG_BITS, UP, ZONE, POD, CLUSTER, HYPERVISOR, HOST_STATE, DEDICATION, HOST_TAGS, EXCLUDE, AFFINITY, ANTI_AFFINITY, CPU, MEMORY, POOL, codeOf, inEverySet, hasAllTags,
} = rowCodes;
const ratioAfter = freeRatioAfter;
const scoreOf = placementScore;

/**
 * The scheduler's in-memory view of host capacity, kept by the server and
 * refreshed from the database: hosts are rows of typed-array columns grouped by
 * zone, pools are shared rows (see PoolCapacityTable), every update is O(1)
 * (plus the host's tags and pools for upsertHost).
 *
 * `place` runs the very filters and weighers of `placeInstance` and returns the
 * same result for the same hosts; it only visits the hosts of the requested zone.
 *
 * Reservations: after a placement the caller reserves the instance's size on the
 * chosen host and pool (`reserve`) and gives it back when the instance is
 * deleted or moves (`release`). `upsertHost` overwrites the host's allocations
 * with the given (database) figures; a shared pool's figures are overwritten by
 * whichever host listing it was upserted last, or by `upsertPool`.
 *
 * Cost: place() is O(hosts in the zone) with no allocation per host; adding a
 * new host makes the next place() re-rank host ids (one sort, ~10 ms for
 * 10,000 hosts) so that ties never compare strings. Changing or removing hosts
 * costs nothing extra.
 */
export class CapacityIndex {
  private readonly zones = new NameInterner();
  private readonly pods = new NameInterner();
  private readonly clusters = new NameInterner();
  private readonly accounts = new NameInterner();
  private readonly tagNames = new NameInterner();
  private readonly pools = new PoolCapacityTable();

  private readonly rowById = new Map<string, number>();
  private readonly freeRows: number[] = [];
  private ids: string[] = [];
  private zone: Int32Array = new Int32Array(0);
  private pod: Int32Array = new Int32Array(0);
  private cluster: Int32Array = new Int32Array(0);
  private hypervisor: Uint8Array = new Uint8Array(0);
  private state: Uint8Array = new Uint8Array(0);
  private dedicatedAccount: Int32Array = new Int32Array(0);
  private cpus: Float64Array = new Float64Array(0);
  private cpuOvercommit: Float64Array = new Float64Array(0);
  /** cpus * cpuOvercommit */
  private cpuRoom: Float64Array = new Float64Array(0);
  private cpuAllocated: Float64Array = new Float64Array(0);
  private memory: Float64Array = new Float64Array(0);
  private memoryOvercommit: Float64Array = new Float64Array(0);
  /** memoryMiB * memoryOvercommit */
  private memoryRoom: Float64Array = new Float64Array(0);
  private memoryAllocated: Float64Array = new Float64Array(0);
  private tags: Int32Array[] = [];
  /** Bit t set when the host has tag code t, for the first 31 tag codes (the common case). */
  private tagBits: Int32Array = new Int32Array(0);
  private hostPools: Int32Array[] = [];
  /** Rows of each zone, and each row's position in its zone's list (for O(1) removal). */
  private readonly zoneRows = new Map<number, number[]>();
  private zonePosition: Int32Array = new Int32Array(0);
  /** Position of each host in host-id order, for tie-breaks without string compares. */
  private idRank: Float64Array = new Float64Array(0);
  /** A host was added since idRank was computed. */
  private idRanksStale = false;

  constructor(hosts: Iterable<SchedulerHost> = []) {
    for (const host of hosts) this.upsertHost(host);
  }

  /** Number of hosts held. */
  get size(): number {
    return this.rowById.size;
  }

  has(hostId: string): boolean {
    return this.rowById.has(hostId);
  }

  /** Whether the host is held and has this pool. */
  hasPool(hostId: string, poolId: string): boolean {
    const row = this.rowById.get(hostId);
    const poolRow = this.pools.row(poolId);
    return row !== undefined && poolRow !== undefined && this.hostPools[row]?.includes(poolRow) === true;
  }

  /** Adds a host, or replaces everything known about it (state, sizes, allocations, tags, pools). */
  upsertHost(host: SchedulerHost): void {
    const hypervisor = codeOf(hypervisors, host.hypervisor, 'hypervisor');
    const state = codeOf(schedulerHostStates, host.state, 'host state');
    const zone = this.zones.intern(host.zoneId);
    let row = this.rowById.get(host.id);
    if (row === undefined) {
      row = this.freeRows.pop() ?? this.rowById.size;
      this.ensureRows(row + 1);
      this.rowById.set(host.id, row);
      this.ids[row] = host.id;
      this.hostPools[row] = new Int32Array(0);
      this.joinZone(row, zone);
      this.idRanksStale = true;
    } else if (this.zone[row] !== zone) {
      this.leaveZone(row);
      this.joinZone(row, zone);
    }
    this.zone[row] = zone;
    this.pod[row] = this.pods.intern(host.podId);
    this.cluster[row] = this.clusters.intern(host.clusterId);
    this.hypervisor[row] = hypervisor;
    this.state[row] = state;
    this.dedicatedAccount[row] =
      host.dedicatedAccountId === null ? SHARED_HOST : this.accounts.intern(host.dedicatedAccountId);
    this.cpus[row] = host.cpus;
    this.cpuOvercommit[row] = host.cpuOvercommit;
    this.cpuRoom[row] = host.cpus * host.cpuOvercommit;
    this.cpuAllocated[row] = host.cpuAllocated;
    this.memory[row] = host.memoryMiB;
    this.memoryOvercommit[row] = host.memoryOvercommit;
    this.memoryRoom[row] = host.memoryMiB * host.memoryOvercommit;
    this.memoryAllocated[row] = host.memoryAllocatedMiB;
    const tagCodes = Int32Array.from(new Set(host.tags), (tag) => this.tagNames.intern(tag));
    this.tags[row] = tagCodes;
    this.tagBits[row] = tagCodes.reduce((bits, code) => (code < TAG_BITS ? bits | (1 << code) : bits), 0);
    const previousPools = this.hostPools[row] ?? new Int32Array(0);
    const seen = new Set<string>();
    const pools: number[] = [];
    for (const pool of host.pools) {
      if (seen.has(pool.id)) continue;
      seen.add(pool.id);
      pools.push(this.pools.acquire(pool));
    }
    this.hostPools[row] = Int32Array.from(pools);
    for (const poolRow of previousPools) this.pools.releaseRow(poolRow);
  }

  /** Forgets a host; false if it was not held. */
  removeHost(hostId: string): boolean {
    const row = this.rowById.get(hostId);
    if (row === undefined) return false;
    this.leaveZone(row);
    for (const poolRow of this.hostPools[row] ?? []) this.pools.releaseRow(poolRow);
    this.hostPools[row] = new Int32Array(0);
    this.tags[row] = new Int32Array(0);
    this.tagBits[row] = 0;
    this.rowById.delete(hostId);
    this.freeRows.push(row);
    return true;
  }

  /** Overwrites a pool's figures (e.g. a shared pool refreshed from the database); false if unknown. */
  upsertPool(pool: SchedulerHost['pools'][number]): boolean {
    return this.pools.update(pool);
  }

  /** Counts an instance's size against a host and one of its pools. Throws if either is unknown. */
  reserve(hostId: string, poolId: string, vcpus: number, memoryMiB: number, diskGiB: number): void {
    const [row, poolRow] = this.locate(hostId, poolId);
    this.cpuAllocated[row] = this.cpuAllocated[row]! + vcpus;
    this.memoryAllocated[row] = this.memoryAllocated[row]! + memoryMiB;
    this.pools.allocated[poolRow] = this.pools.allocated[poolRow]! + diskGiB;
  }

  /** Gives back what `reserve` counted. Allocations never go below zero. */
  release(hostId: string, poolId: string, vcpus: number, memoryMiB: number, diskGiB: number): void {
    const [row, poolRow] = this.locate(hostId, poolId);
    this.cpuAllocated[row] = Math.max(0, this.cpuAllocated[row]! - vcpus);
    this.memoryAllocated[row] = Math.max(0, this.memoryAllocated[row]! - memoryMiB);
    this.pools.allocated[poolRow] = Math.max(0, this.pools.allocated[poolRow]! - diskGiB);
  }

  /** The host as the index sees it now (a copy), or undefined. */
  getHost(hostId: string): SchedulerHost | undefined {
    const row = this.rowById.get(hostId);
    if (row === undefined) return undefined;
    const dedicated = this.dedicatedAccount[row]!;
    return {
      id: hostId,
      zoneId: this.zones.name(this.zone[row]!),
      podId: this.pods.name(this.pod[row]!),
      clusterId: this.clusters.name(this.cluster[row]!),
      hypervisor: hypervisors[this.hypervisor[row]!]!,
      state: schedulerHostStates[this.state[row]!]!,
      cpus: this.cpus[row]!,
      memoryMiB: this.memory[row]!,
      cpuAllocated: this.cpuAllocated[row]!,
      memoryAllocatedMiB: this.memoryAllocated[row]!,
      cpuOvercommit: this.cpuOvercommit[row]!,
      memoryOvercommit: this.memoryOvercommit[row]!,
      tags: Array.from(this.tags[row] ?? [], (tag) => this.tagNames.name(tag)),
      dedicatedAccountId: dedicated === SHARED_HOST ? null : this.accounts.name(dedicated),
      pools: Array.from(this.hostPools[row] ?? [], (poolRow) => this.pools.snapshot(poolRow)),
    };
  }

  /** Same contract as placeInstance(hosts, request, limit). */
  place(request: PlacementRequest, limit: number = defaultPlacementLimit): PlacementResult {
    checkPlacementRequest(request, limit);
    if (this.idRanksStale) this.rankIds();
    const removed = placementFilterNames.map(() => 0);
    const top = new CandidateTopK(limit);
    const zoneCode = this.zones.lookup(request.zoneId, UNKNOWN);
    const rows = this.zoneRows.get(zoneCode) ?? [];
    removed[ZONE] = this.rowById.size - rows.length;

    const podCode = request.podId === undefined ? ANY : this.pods.lookup(request.podId, UNKNOWN);
    const clusterCode = request.clusterId === undefined ? ANY : this.clusters.lookup(request.clusterId, UNKNOWN);
    const hypervisorCode = request.hypervisor === undefined ? ANY : codeOf(hypervisors, request.hypervisor, 'hypervisor');
    const runsType = hypervisors.map((h) => hypervisorRuns(h, request.instanceType ?? 'vm'));
    const accountCode = this.accounts.lookup(request.accountId, UNKNOWN);
    const onlyDedicated = request.accountHasDedicatedHosts;
    const wantedTags = request.hostTags.map((tag) => this.tagNames.lookup(tag, UNKNOWN));
    const checkTags = wantedTags.length > 0;
    // Tags the bitmask can answer for (a tag no host has is UNKNOWN and fails everywhere).
    const tagsByBits = wantedTags.every((code) => code >= 0 && code < TAG_BITS);
    const wantedBits = tagsByBits ? wantedTags.reduce((bits, code) => bits | (1 << code), 0) : 0;
    const excluded = this.rowSet(request.excludeHostIds);
    const affinitySets: Set<number>[] = [];
    const antiAffinity = new Set<number>();
    for (const group of request.affinityGroups) {
      if (group.policy === 'affinity') {
        if (group.hostIds.length > 0) affinitySets.push(this.rowSet(group.hostIds));
      } else {
        for (const id of group.hostIds) {
          const row = this.rowById.get(id);
          if (row !== undefined) antiAffinity.add(row);
        }
      }
    }
    const checkExcluded = excluded.size > 0;
    const checkAntiAffinity = antiAffinity.size > 0;
    const { vcpus, memoryMiB, rootDiskGiB, strategy } = request;
    const sign = strategySign(strategy);
    const { pod, cluster, hypervisor, state, dedicatedAccount, tags, tagBits, hostPools, ids, idRank } = this;
    const { cpuRoom, cpuAllocated, memoryRoom, memoryAllocated } = this;
    const poolRoom = this.pools.room;
    const poolAllocated = this.pools.allocated;
    const poolIds = this.pools.ids;

    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const cpuCapacity = cpuRoom[row]!;
      const memoryCapacity = memoryRoom[row]!;
      const dedicated = dedicatedAccount[row]!;
      let failed = -1;
      if (podCode !== ANY && pod[row] !== podCode) failed = POD;
      else if (clusterCode !== ANY && cluster[row] !== clusterCode) failed = CLUSTER;
      else if ((hypervisorCode !== ANY && hypervisor[row] !== hypervisorCode) || !runsType[hypervisor[row]!]) failed = HYPERVISOR;
      else if (state[row] !== UP) failed = HOST_STATE;
      else if (onlyDedicated ? dedicated !== accountCode : dedicated !== SHARED_HOST && dedicated !== accountCode) {
        failed = DEDICATION;
      } else if (
        checkTags &&
        (tagsByBits ? (tagBits[row]! & wantedBits) !== wantedBits : !hasAllTags(tags[row]!, wantedTags))
      ) {
        failed = HOST_TAGS;
      } else if (checkExcluded && excluded.has(row)) failed = EXCLUDE;
      else if (affinitySets.length > 0 && !inEverySet(affinitySets, row)) failed = AFFINITY;
      else if (checkAntiAffinity && antiAffinity.has(row)) failed = ANTI_AFFINITY;
      else if (cpuCapacity - cpuAllocated[row]! < vcpus) failed = CPU;
      else if (memoryCapacity - memoryAllocated[row]! < memoryMiB) failed = MEMORY;
      let bestPool = -1;
      if (failed < 0) {
        let bestRoom = 0;
        const candidatePools = hostPools[row]!;
        for (let p = 0; p < candidatePools.length; p++) {
          const poolRow = candidatePools[p]!;
          const room = poolRoom[poolRow]! - poolAllocated[poolRow]!;
          if (room < rootDiskGiB) continue;
          if (bestPool < 0 || room > bestRoom || (room === bestRoom && poolIds[poolRow]! < poolIds[bestPool]!)) {
            bestPool = poolRow;
            bestRoom = room;
          }
        }
        if (bestPool < 0) failed = POOL;
      }
      if (failed >= 0) {
        removed[failed] = removed[failed]! + 1;
        continue;
      }
      const memoryRatio = ratioAfter(memoryCapacity, memoryAllocated[row]!, memoryMiB);
      if (sign * memoryRatio < top.threshold) continue;
      const cpuRatio = ratioAfter(cpuCapacity, cpuAllocated[row]!, vcpus);
      top.offer(ids[row]!, poolIds[bestPool]!, sign * memoryRatio, sign * cpuRatio, scoreOf(strategy, memoryRatio), idRank[row]!);
    }

    if (top.size > 0) return { ok: true, candidates: top.candidates() };
    const filters = buildFilterCounts(this.rowById.size, removed);
    return { ok: false, message: describePlacementFailure(request, filters), filters };
  }

  /** Recomputes idRank after hosts were added (removals keep the order valid). */
  private rankIds(): void {
    const rows = [...this.rowById.values()].sort((a, b) => {
      const x = this.ids[a]!;
      const y = this.ids[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    // Unique ranks: CandidateTopK never needs to compare the id strings.
    rows.forEach((row, rank) => {
      this.idRank[row] = rank + 1;
    });
    this.idRanksStale = false;
  }

  private rowSet(hostIds: readonly string[]): Set<number> {
    const set = new Set<number>();
    for (const id of hostIds) {
      const row = this.rowById.get(id);
      if (row !== undefined) set.add(row);
    }
    return set;
  }

  private locate(hostId: string, poolId: string): [number, number] {
    const row = this.rowById.get(hostId);
    if (row === undefined) throw new Error(`capacity index: unknown host ${hostId}`);
    const poolRow = this.pools.row(poolId);
    if (poolRow === undefined || this.hostPools[row]?.includes(poolRow) !== true) {
      throw new Error(`capacity index: pool ${poolId} is not a pool of host ${hostId}`);
    }
    return [row, poolRow];
  }

  private joinZone(row: number, zone: number): void {
    let list = this.zoneRows.get(zone);
    if (list === undefined) {
      list = [];
      this.zoneRows.set(zone, list);
    }
    this.zonePosition[row] = list.length;
    list.push(row);
  }

  private leaveZone(row: number): void {
    const list = this.zoneRows.get(this.zone[row]!);
    if (list === undefined) return;
    const position = this.zonePosition[row]!;
    const last = list.pop()!;
    if (last !== row) {
      list[position] = last;
      this.zonePosition[last] = position;
    }
  }

  private ensureRows(rows: number): void {
    if (rows <= this.zone.length) return;
    const length = Math.max(rows, this.zone.length * 2, 64);
    this.zone = growInt32(this.zone, length);
    this.pod = growInt32(this.pod, length);
    this.cluster = growInt32(this.cluster, length);
    this.hypervisor = growUint8(this.hypervisor, length);
    this.state = growUint8(this.state, length);
    this.dedicatedAccount = growInt32(this.dedicatedAccount, length);
    this.cpus = growFloat64(this.cpus, length);
    this.cpuOvercommit = growFloat64(this.cpuOvercommit, length);
    this.cpuRoom = growFloat64(this.cpuRoom, length);
    this.cpuAllocated = growFloat64(this.cpuAllocated, length);
    this.memory = growFloat64(this.memory, length);
    this.memoryOvercommit = growFloat64(this.memoryOvercommit, length);
    this.memoryRoom = growFloat64(this.memoryRoom, length);
    this.memoryAllocated = growFloat64(this.memoryAllocated, length);
    this.zonePosition = growInt32(this.zonePosition, length);
    this.idRank = growFloat64(this.idRank, length);
    this.tagBits = growInt32(this.tagBits, length);
  }
}
