// Host registration against both databases: the host token an agent presented stays valid until it
// presents the one its welcome carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import type { HelloMessage } from '@kumo/api';
import { createRepos } from '@kumo/db';
import { openTestDatabase, seedInfrastructure, testDialects } from '@kumo/db/testing';
import { AgentRegistration } from './agent-registration.ts';
import { hashSecret } from '../services/secrets.ts';

const hello = (token: string, hostName: string): HelloMessage => ({
  type: 'hello', protocol: 2, token, hostName, address: '10.0.0.1', hypervisor: 'fake',
  facts: { hostname: 'h', accelerator: 'none', cpuModel: 'fake', hypervisorVersion: '1', cpus: 8, memoryMiB: 8192 },
  pools: [], inventory: [], agentVersion: '1',
});

for (const dialect of testDialects) {
  test(`${dialect}: regression agent_locked_out_after_lost_welcome: a welcome that never arrived does not lock the host out; older tokens stay refused`, async () => {
    const h = await openTestDatabase(dialect);
    try {
      const repos = createRepos(h.db);
      const { hosts } = await seedInfrastructure(repos, { hosts: 1 });
      const host = hosts[0]!;
      await repos.db.updateTable('hosts').set({ tokenHash: hashSecret('first') }).where('id', '=', host.id).execute();
      const reg = new AgentRegistration(repos, new FakeClock(Date.parse('2026-12-07T12:00:00Z')));

      const second = await reg.register(hello(`${host.id}.first`, host.name));
      assert.notEqual(second.hostToken, `${host.id}.first`, 'each registration issues a new token');
      assert.equal(second.generation, 2);
      // Its welcome is lost (the server killed -9 right after the registration was written): the
      // agent dials again with the token it has.
      const third = await reg.register(hello(`${host.id}.first`, host.name));
      assert.equal(third.generation, 3, 'the host is let back in with the token it presented before');
      // This welcome arrives: the agent now presents the newest token, and the older ones are gone.
      const fourth = await reg.register(hello(third.hostToken, host.name));
      assert.equal(fourth.generation, 4);
      for (const stale of [`${host.id}.first`, second.hostToken]) {
        await assert.rejects(reg.register(hello(stale, host.name)), /unknown host credentials/, `a token two registrations old is refused: ${stale}`);
      }
      await assert.rejects(reg.register(hello(`${host.id}.guess`, host.name)), /unknown host credentials/);
      assert.equal((await reg.register(hello(third.hostToken, host.name))).generation, 5, 'the token presented last still works until the next one is used');
    } finally {
      await h.drop();
    }
  });
}
