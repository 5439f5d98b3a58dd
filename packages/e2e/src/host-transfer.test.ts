import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobProgress } from '@kumo/core';
import { AgentClient, FakeDriver, FakeVolumeManager } from '@kumo/agent';
import { transferFile, type AgentCallError } from '@kumo/server';
import { startTestCloud } from './testing/test-cloud.ts';

test('host-to-host transfer: a file crosses between two agents on a port the server allocated, with progress, then the port is free again', async () => {
  const cloud = await startTestCloud({ hosts: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'kumo-transfer-'));
  const agents: AgentClient[] = [];
  try {
    for (const name of ['src-host', 'dst-host']) {
      const a = new AgentClient({ serverUrl: cloud.url, token: cloud.joinToken, hostName: name, address: '127.0.0.1', driver: new FakeDriver({ hostname: name }), volumes: new FakeVolumeManager(`/var/lib/kumo/${name}`) });
      a.start();
      await a.connected();
      agents.push(a);
    }
    const [src, dst] = agents as [AgentClient, AgentClient];
    const data = randomBytes(6 * 1024 * 1024);
    writeFileSync(join(dir, 'state'), data);
    const progress: JobProgress[] = [];
    const gateway = cloud.server.ctx.gateway;
    const ports = cloud.server.controller.hostPorts;
    const r = await transferFile(gateway, ports, {
      transferId: 'xfer-1', source: { hostId: src.hostId!, path: join(dir, 'state') }, target: { hostId: dst.hostId!, address: '127.0.0.1', path: join(dir, 'copy', 'state') },
      deadlineMs: 60_000, onProgress: (p) => progress.push(p),
    });
    assert.equal(r.bytes, data.length);
    assert.equal(r.sha256, createHash('sha256').update(data).digest('hex'));
    assert.ok(readFileSync(join(dir, 'copy', 'state')).equals(data), 'the target has the same bytes');
    assert.ok(progress.length > 0 && progress.every((p) => p.bytesTotal === data.length), 'byte progress reached the server');
    assert.deepEqual(await ports.inUse(dst.hostId!), [], 'the port was released');

    // A transfer that cannot complete (the source file is missing) leaves nothing on the target and frees its port.
    await assert.rejects(transferFile(gateway, ports, {
      transferId: 'xfer-2', source: { hostId: src.hostId!, path: join(dir, 'missing') }, target: { hostId: dst.hostId!, address: '127.0.0.1', path: join(dir, 'copy', 'missing') },
      deadlineMs: 10_000,
    }), (e: AgentCallError) => /missing|ENOENT/.test(e.message));
    assert.equal(existsSync(join(dir, 'copy', 'missing')), false);
    assert.equal(existsSync(join(dir, 'copy', 'missing.partial')), false);
    assert.deepEqual(await ports.inUse(dst.hostId!), []);

    // Allocation hands out the lowest free port and never the same one twice on a host.
    const p1 = await ports.allocate(dst.hostId!, 'test', 'a');
    const p2 = await ports.allocate(dst.hostId!, 'test', 'b');
    assert.notEqual(p1, p2);
    await ports.release(dst.hostId!, p1);
    assert.equal(await ports.allocate(dst.hostId!, 'test', 'c'), p1);
  } finally {
    await Promise.all(agents.map((a) => a.close()));
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
