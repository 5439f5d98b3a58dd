import type { PlacementCandidate } from './scheduler-types.ts';

/**
 * Keeps the best `limit` candidates seen so far, in one pass and without sorting
 * the whole host list: O(hosts * limit) worst case, O(hosts) in practice since
 * most offers lose against the current worst and return at once.
 *
 * Order: higher primaryKey, then higher secondaryKey, then smaller host id.
 * `idRank` is an optional shortcut for the last step: callers that know each
 * host's position in id order (CapacityIndex) pass it to avoid string
 * comparisons; callers that do not pass 0 and the ids are compared.
 */
export class CandidateTopK {
  private readonly hostIds: string[] = [];
  private readonly poolIds: string[] = [];
  private readonly primaryKeys: number[] = [];
  private readonly secondaryKeys: number[] = [];
  private readonly scores: number[] = [];
  private readonly idRanks: number[] = [];
  private count = 0;
  /**
   * Primary key a new candidate must reach to have a chance: -Infinity while
   * there is room, then the primary key of the current worst. Lets hot loops
   * skip offer() for most hosts.
   */
  threshold = Number.NEGATIVE_INFINITY;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  offer(hostId: string, poolId: string, primaryKey: number, secondaryKey: number, score: number, idRank = 0): void {
    let n = this.count;
    if (n === this.limit) {
      if (!this.beats(primaryKey, secondaryKey, idRank, hostId, n - 1)) return;
      n -= 1; // the current worst drops out
    }
    let i = n;
    while (i > 0 && this.beats(primaryKey, secondaryKey, idRank, hostId, i - 1)) {
      this.hostIds[i] = this.hostIds[i - 1]!;
      this.poolIds[i] = this.poolIds[i - 1]!;
      this.primaryKeys[i] = this.primaryKeys[i - 1]!;
      this.secondaryKeys[i] = this.secondaryKeys[i - 1]!;
      this.scores[i] = this.scores[i - 1]!;
      this.idRanks[i] = this.idRanks[i - 1]!;
      i -= 1;
    }
    this.hostIds[i] = hostId;
    this.poolIds[i] = poolId;
    this.primaryKeys[i] = primaryKey;
    this.secondaryKeys[i] = secondaryKey;
    this.scores[i] = score;
    this.idRanks[i] = idRank;
    this.count = n + 1;
    if (this.count === this.limit) this.threshold = this.primaryKeys[this.count - 1]!;
  }

  /** Best first. */
  candidates(): PlacementCandidate[] {
    const out: PlacementCandidate[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push({ hostId: this.hostIds[i]!, poolId: this.poolIds[i]!, score: this.scores[i]! });
    }
    return out;
  }

  private beats(primaryKey: number, secondaryKey: number, idRank: number, hostId: string, at: number): boolean {
    const p = this.primaryKeys[at]!;
    if (primaryKey !== p) return primaryKey > p;
    const s = this.secondaryKeys[at]!;
    if (secondaryKey !== s) return secondaryKey > s;
    const r = this.idRanks[at]!;
    if (idRank !== r) return idRank < r;
    return hostId < this.hostIds[at]!;
  }
}
