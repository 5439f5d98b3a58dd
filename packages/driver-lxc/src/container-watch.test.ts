import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock, type DriverEvent } from '@kumo/core';
import { ContainerWatch } from './container-watch.ts';
import { FakeLxc } from './testing/fake-lxc.ts';

test('console_log_gone_during_watch_pass_ended_agent: a console log that cannot be read any more (its container destroyed mid-pass) neither rejects the pass nor stops the other containers\' output', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-watch-'));
  try {
    const events: DriverEvent[] = [];
    const watch = new ContainerWatch({ tools: new FakeLxc(), clock: systemClock, intervalMs: 60_000, lxcPath: dir, emit: (e) => events.push(e), wantsConsole: () => true });
    // A stat that succeeds and a read that fails: what a log removed between the two looks like.
    const gone = join(dir, 'gone', 'console.log');
    await mkdir(gone, { recursive: true });
    const live = join(dir, 'live', 'console.log');
    await mkdir(join(dir, 'live'));
    watch.get('i-gone', gone);
    watch.get('i-live', live);
    await new Promise((r) => setTimeout(r, 50)); // get() starts each log at its current size
    await writeFile(live, 'hello\n');
    watch.get('i-gone', gone).consoleOffset = 0;
    await watch.pass();
    watch.close();
    assert.deepEqual(events.map((e) => e.kind === 'console' ? `${e.instanceId}:${e.data.toString()}` : e.kind), ['i-live:hello\n']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
