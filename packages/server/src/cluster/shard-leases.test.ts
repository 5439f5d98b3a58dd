import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { createRepos, type Repos } from '@kumo/db';
import { openTestDatabase } from '@kumo/db/testing';
import { pino } from 'pino';
import { ServerMembership } from './server-membership.ts';
import { ShardLeases, type ShardLeaseOptions } from './shard-leases.ts';
import { shardOf } from './shard-of.ts';

const log = pino({ level: 'silent' });
const opts: ShardLeaseOptions = { shards: 16, leaseMs: 15_000, renewEveryMs: 3_000, safetyMarginMs: 5_000 };

function member(repos: Repos, clock: FakeClock, id: string): ShardLeases {
  return new ShardLeases(repos, clock, new ServerMembership(repos, clock, { id, address: `http://${id}`, callToken: `t-${id}` }, opts.leaseMs), log, opts);
}

/** Every shard has at most one owner in the database, and no two servers both think they own one. */
async function assertExclusive(repos: Repos, servers: ShardLeases[]): Promise<void> {
  const seen = new Map<number, number>();
  for (const s of servers) for (const shard of s.ownedShards()) seen.set(shard, (seen.get(shard) ?? 0) + 1);
  for (const [shard, n] of seen) assert.equal(n, 1, `shard ${shard} is worked on by ${n} servers`);
  const rows = await repos.workShards.list();
  for (const s of servers) for (const shard of s.ownedShards()) {
    assert.equal(rows.find((r) => r.shard === shard)?.ownerServerId !== null, true);
  }
}

test('shard leases on PostgreSQL: shared fairly, taken over only after expiry, a server that cannot renew stops first', async () => {
  const h = await openTestDatabase('postgres');
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const a = member(repos, clock, 'srv-a');
    await a.join();
    assert.equal(a.ownedShards().length, 16, 'a lone server takes every shard');
    const id = 'instance-0001';
    assert.equal(a.owns(id), true);

    const b = member(repos, clock, 'srv-b');
    await b.join();
    assert.equal(b.ownedShards().length, 0, 'nothing is free yet');
    // a sees two live servers: drains its surplus for one tick, then gives it back; b takes it
    for (let i = 0; i < 3; i++) {
      clock.advance(opts.renewEveryMs);
      await a.tick(); await b.tick();
      await assertExclusive(repos, [a, b]);
    }
    assert.equal(a.ownedShards().length, 8);
    assert.equal(b.ownedShards().length, 8);

    // b stalls (no renewal). It stops working on its shards before their leases end …
    const bShard = b.ownedShards()[0]!;
    const bId = Array.from({ length: 1000 }, (_, i) => `instance-${i}`).find((x) => shardOf(x, opts.shards) === bShard)!;
    assert.equal(b.owns(bId), true);
    const renewedAt = clock.now();
    clock.advance(opts.leaseMs - opts.safetyMarginMs);
    assert.equal(b.owns(bId), false, 'b must stop before its lease can be taken');
    await a.tick();
    assert.equal(a.owns(bId), false, 'a may not take a lease that has not ended');
    // … and a takes them once they have ended
    clock.advance(renewedAt + opts.leaseMs + 1 - clock.now());
    await a.tick();
    assert.equal(a.owns(bId), true);
    const row = (await repos.workShards.list()).find((r) => r.shard === bShard)!;
    assert.equal(row.ownerServerId, 'srv-a');
    assert.equal(row.epoch, 3, 'each change of owner bumps the epoch (the fencing token): a, then b, then a again');
    await assertExclusive(repos, [a, b]);

    // b wakes up: its renewal finds nothing it still holds, so it works on nothing
    await b.tick();
    assert.equal(b.owns(bId), false);
    assert.equal(await a.confirm(bId), true);

    // a clean stop gives everything back at once; b takes it at its next round
    await a.stop();
    assert.equal((await repos.servers.all()).map((s) => s.id).includes('srv-a'), false);
    clock.advance(opts.renewEveryMs);
    await b.tick();
    assert.equal(b.ownedShards().length, 16);
    await b.stop();
  } finally {
    await h.drop();
  }
});

test('shard leases: two servers racing for the same free shards never both win (compare-and-swap on the epoch)', async () => {
  const h = await openTestDatabase('postgres');
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const servers = ['srv-1', 'srv-2', 'srv-3'].map((id) => member(repos, clock, id));
    await Promise.all(servers.map((s) => s.join()));
    await assertExclusive(repos, servers);
    for (let i = 0; i < 4; i++) {
      clock.advance(opts.renewEveryMs);
      await Promise.all(servers.map((s) => s.tick()));
      await assertExclusive(repos, servers);
    }
    const counts = servers.map((s) => s.ownedShards().length);
    assert.equal(counts.reduce((x, y) => x + y, 0), 16, `every shard is owned: ${counts.join(',')}`);
    assert.ok(counts.every((c) => c <= 6), `fair shares are at most ceil(16/3): ${counts.join(',')}`);
    for (const s of servers) await s.stop();
  } finally {
    await h.drop();
  }
});
