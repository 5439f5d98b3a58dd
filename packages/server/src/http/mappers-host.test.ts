import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostRow } from '@kumo/db';
import { protocolV1Capabilities } from '@kumo/core';
import { toHost } from './mappers.ts';

const row = (capabilities: string | null): HostRow => ({
  id: 'host-1', zoneId: 'z', podId: 'p', clusterId: 'c', name: 'h1', hypervisor: 'fake', state: 'up', adminState: 'enabled',
  address: '198.18.0.1', accelerator: 'none', cpuModel: 'x', hypervisorVersion: 'fake-1', agentVersion: '1', cpus: 8, memoryMiB: 16384,
  cpuAllocated: 0, memoryAllocatedMiB: 0, tags: '[]', dedicatedAccountId: null, tokenHash: 'secret', previousTokenHash: null, lastHeartbeatAt: null, connectedAt: null,
  createdAt: '2026-01-01T00:00:00Z', version: 1, vlanCapable: null, generation: 1, capabilities, protocol: 2,
});

test('hosts show the capabilities their agent announced', () => {
  assert.deepEqual(toHost(row('["pause","serial-console"]')).capabilities, ['pause', 'serial-console']);
  assert.deepEqual(toHost(row('[]')).capabilities, []);
});

test('hosts whose agent never announced capabilities (protocol 1) show the protocol-1 set', () => {
  assert.deepEqual(toHost(row(null)).capabilities, [...protocolV1Capabilities]);
  assert.ok(protocolV1Capabilities.includes('save-restore'));
});
