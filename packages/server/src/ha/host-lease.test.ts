import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { createRepos } from '@kumo/db';
import { openTestDatabase, seedInfrastructure } from '@kumo/db/testing';
import { HostLeases } from './host-lease.ts';

test('shortened_zone_lease_expired_a_longer_granted_lease: a host keeps the longest lease it was granted', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.parse('2026-12-07T12:00:00Z'));
    const { zoneId, hosts } = await seedInfrastructure(repos, { hosts: 1 });
    const hostId = hosts[0]!.id;
    const leases = new HostLeases(repos, clock);
    const leaseOf = async () => (await repos.db.selectFrom('hosts').select('leaseExpiresAt').where('id', '=', hostId).executeTakeFirstOrThrow()).leaseExpiresAt;

    await repos.db.updateTable('zones').set({ haLeaseMs: 60_000, haFenceMarginMs: 5_000 }).where('id', '=', zoneId).execute();
    const granted = await leases.renew(hostId, new Date(clock.now()).toISOString());
    assert.equal(granted?.leaseMs, 60_000);
    assert.equal(await leaseOf(), '2026-12-07T12:01:00.000Z');

    // The operator shortens the lease; the agent still holds its guests until 12:01:00.
    await repos.db.updateTable('zones').set({ haLeaseMs: 10_000 }).where('id', '=', zoneId).execute();
    clock.advance(1_000);
    await leases.renew(hostId, new Date(clock.now()).toISOString());
    assert.equal(await leaseOf(), '2026-12-07T12:01:00.000Z', 'the server does not judge the host lost before the lease it granted runs out');

    clock.advance(60_000);
    await leases.renew(hostId, new Date(clock.now()).toISOString());
    assert.equal(await leaseOf(), '2026-12-07T12:01:11.000Z', 'once past it, renewals follow the new, shorter lease');
  } finally {
    await h.drop();
  }
});

test('a lease stored at registration, never told to the agent, does not hold back a shortened lease; after a server restart the stored lease is the floor', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.parse('2026-12-07T12:00:00Z'));
    const { zoneId, hosts } = await seedInfrastructure(repos, { hosts: 1 });
    const hostId = hosts[0]!.id;
    const leaseOf = async () => (await repos.db.selectFrom('hosts').select('leaseExpiresAt').where('id', '=', hostId).executeTakeFirstOrThrow()).leaseExpiresAt;
    const leases = new HostLeases(repos, clock);
    await leases.renew(hostId, null); // the hello: 20 s by default, no frame to the agent
    assert.equal(await leaseOf(), '2026-12-07T12:00:20.000Z');
    await repos.db.updateTable('zones').set({ haLeaseMs: 3_000, haFenceMarginMs: 1_000 }).where('id', '=', zoneId).execute();
    clock.advance(500);
    await leases.renew(hostId, new Date(clock.now()).toISOString());
    assert.equal(await leaseOf(), '2026-12-07T12:00:03.500Z', 'the agent only ever heard of 3 s');

    // A restarted server does not know what the agent was told: the stored lease is the floor.
    await repos.db.updateTable('hosts').set({ leaseExpiresAt: '2026-12-07T12:00:30.000Z' }).where('id', '=', hostId).execute();
    const restarted = new HostLeases(repos, clock);
    await restarted.renew(hostId, new Date(clock.now()).toISOString());
    assert.equal(await leaseOf(), '2026-12-07T12:00:30.000Z');
  } finally {
    await h.drop();
  }
});
