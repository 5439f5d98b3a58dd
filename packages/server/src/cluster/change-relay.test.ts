import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '@kumo/db/testing';
import { pino } from 'pino';
import { Notifier, type Change } from '../services/notifier.ts';
import { ChangeRelay } from './change-relay.ts';

const log = pino({ level: 'silent' });

test('changes published on one server reach the listeners of the others once, over LISTEN/NOTIFY', async () => {
  const h = await openTestDatabase('postgres');
  const [na, nb] = [new Notifier(), new Notifier()];
  const [ra, rb] = [new ChangeRelay(h, na, 'srv-a', log), new ChangeRelay(h, nb, 'srv-b', log)];
  try {
    await ra.start(); await rb.start();
    const seenA: Change[] = []; const seenB: Change[] = [];
    na.subscribe((c) => seenA.push(c)); nb.subscribe((c) => seenB.push(c));
    for (let i = 0; i < 300; i++) na.publish({ kind: 'instance', id: `instance-${i}`, accountId: 'acct-1' });
    nb.publish({ kind: 'host', id: 'host-1' });
    for (let i = 0; i < 200 && (seenB.length < 301 || seenA.length < 301); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(seenB.length, 301, 'b got its own change and all 300 of a (batched into few notifications)');
    assert.equal(seenA.length, 301, 'a got its own 300 and b\'s one, and none of its own twice');
    assert.deepEqual(seenB.slice(1).map((c) => (c as { id: string }).id), seenB.slice(1).map((_, i) => `instance-${i}`), 'in order');
    assert.equal(ra.sent, 300);
    assert.equal(rb.received, 300);
  } finally {
    await ra.stop(); await rb.stop();
    await h.drop();
  }
});

test('change fan-out needs PostgreSQL: on SQLite it says so', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    await assert.rejects(new ChangeRelay(h, new Notifier(), 'srv-a', log).start(), /needs PostgreSQL/);
  } finally {
    await h.drop();
  }
});
