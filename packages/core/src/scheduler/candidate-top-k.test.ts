import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CandidateTopK } from './candidate-top-k.ts';
import { pick, randomInt, seededRandom } from './scheduler-test-fixtures.ts';

interface Offer {
  hostId: string;
  primary: number;
  secondary: number;
}

function byRank(a: Offer, b: Offer): number {
  return b.primary - a.primary || b.secondary - a.secondary || (a.hostId < b.hostId ? -1 : 1);
}

describe('CandidateTopK', () => {
  it('keeps the same best `limit` as a full sort, with or without id ranks', () => {
    const random = seededRandom(99);
    for (let round = 0; round < 200; round++) {
      // Few distinct key values, so ties on both keys are frequent.
      const offers: Offer[] = Array.from({ length: randomInt(random, 0, 60) }, (_, i) => ({
        hostId: `h${String((i * 37) % 101).padStart(3, '0')}`,
        primary: pick(random, [0, 0.25, 0.5, -0.5]),
        secondary: pick(random, [0, 1, -1]),
      }));
      const limit = randomInt(random, 1, 10);
      const expected = [...offers].sort(byRank).slice(0, limit).map((o) => o.hostId);
      const rankOf = new Map([...offers].map((o) => o.hostId).sort().map((id, rank) => [id, rank + 1]));

      const plain = new CandidateTopK(limit);
      const ranked = new CandidateTopK(limit);
      for (const o of offers) {
        plain.offer(o.hostId, `${o.hostId}-pool`, o.primary, o.secondary, o.primary);
        ranked.offer(o.hostId, `${o.hostId}-pool`, o.primary, o.secondary, o.primary, rankOf.get(o.hostId));
      }
      assert.deepEqual(plain.candidates().map((c) => c.hostId), expected);
      assert.deepEqual(ranked.candidates().map((c) => c.hostId), expected);
      assert.equal(plain.size, Math.min(limit, offers.length));
    }
  });

  it('exposes the primary key a newcomer must reach once full', () => {
    const top = new CandidateTopK(2);
    assert.equal(top.threshold, Number.NEGATIVE_INFINITY);
    top.offer('a', 'p', 0.5, 0, 0.5);
    assert.equal(top.threshold, Number.NEGATIVE_INFINITY);
    top.offer('b', 'p', 0.2, 0, 0.2);
    assert.equal(top.threshold, 0.2);
    top.offer('c', 'p', 0.9, 0, 0.9);
    assert.equal(top.threshold, 0.5);
    assert.deepEqual(top.candidates(), [
      { hostId: 'c', poolId: 'p', score: 0.9 },
      { hostId: 'a', poolId: 'p', score: 0.5 },
    ]);
  });
});
