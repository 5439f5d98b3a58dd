import type { SchedulerPool } from './scheduler-types.ts';
import { growFloat64, growInt32, growUint8 } from './typed-column.ts';

/**
 * Storage pools of a CapacityIndex, one row per pool id: a shared pool is one
 * row referenced by every host of its cluster, so a reservation on it is seen
 * by all of them. Rows are reference-counted by the hosts that list them.
 */
export class PoolCapacityTable {
  /** capacityGiB * overcommit, per row. */
  room: Float64Array = new Float64Array(16);
  allocated: Float64Array = new Float64Array(16);
  ids: string[] = [];
  private capacity: Float64Array = new Float64Array(16);
  private overcommit: Float64Array = new Float64Array(16);
  private shared: Uint8Array = new Uint8Array(16);
  private references: Int32Array = new Int32Array(16);
  private readonly rowById = new Map<string, number>();
  private readonly freeRows: number[] = [];

  get size(): number {
    return this.rowById.size;
  }

  row(poolId: string): number | undefined {
    return this.rowById.get(poolId);
  }

  /** Creates or overwrites the row of `pool` and adds one reference to it. */
  acquire(pool: SchedulerPool): number {
    const row = this.write(pool);
    this.references[row] = (this.references[row] ?? 0) + 1;
    return row;
  }

  /** Drops one reference; the row is freed when no host lists the pool any more. */
  releaseRow(row: number): void {
    const left = (this.references[row] ?? 0) - 1;
    this.references[row] = left;
    if (left > 0) return;
    const id = this.ids[row];
    if (id !== undefined) this.rowById.delete(id);
    this.freeRows.push(row);
  }

  /** Overwrites the figures of a known pool; false if no host lists it. */
  update(pool: SchedulerPool): boolean {
    if (!this.rowById.has(pool.id)) return false;
    this.write(pool);
    return true;
  }

  snapshot(row: number): SchedulerPool {
    return {
      id: this.ids[row]!,
      kind: this.shared[row] === 1 ? 'shared' : 'local',
      capacityGiB: this.capacity[row]!,
      allocatedGiB: this.allocated[row]!,
      overcommit: this.overcommit[row]!,
    };
  }

  private write(pool: SchedulerPool): number {
    let row = this.rowById.get(pool.id);
    if (row === undefined) {
      row = this.freeRows.pop() ?? this.rowById.size;
      this.ensureRows(row + 1);
      this.rowById.set(pool.id, row);
      this.ids[row] = pool.id;
      this.references[row] = 0;
    }
    this.capacity[row] = pool.capacityGiB;
    this.overcommit[row] = pool.overcommit;
    this.room[row] = pool.capacityGiB * pool.overcommit;
    this.allocated[row] = pool.allocatedGiB;
    this.shared[row] = pool.kind === 'shared' ? 1 : 0;
    return row;
  }

  private ensureRows(rows: number): void {
    if (rows <= this.room.length) return;
    const length = Math.max(rows, this.room.length * 2);
    this.room = growFloat64(this.room, length);
    this.allocated = growFloat64(this.allocated, length);
    this.capacity = growFloat64(this.capacity, length);
    this.overcommit = growFloat64(this.overcommit, length);
    this.shared = growUint8(this.shared, length);
    this.references = growInt32(this.references, length);
  }
}
