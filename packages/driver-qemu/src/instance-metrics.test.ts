import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceSpec } from '@kumo/core';
import { diskNames } from './disk-blockdev.ts';
import { QmpClient } from './qmp-client.ts';
import { MockQmp, send } from './testing/mock-qmp.ts';
import { cpuTimeNsFromProcStat, diskCountersFromBlockStats, guestMemoryUsedFromStats, readQemuCounters, rssBytesFromStatm, tapCounters } from './instance-metrics.ts';

const spec: InstanceSpec = {
  instanceId: 'i-m', name: 'm', vcpus: 2, memoryMiB: 256, stopTimeoutSec: 1, boot: {},
  root: { kind: 'disk', disk: { volumeId: 'vol-root', path: '/r.qcow2', format: 'qcow2', pciSlot: 0x10, serial: 'root' } },
  disks: [{ volumeId: 'vol-data', path: '/d.qcow2', format: 'qcow2', pciSlot: 0x11, serial: 'data' }],
  nics: [{ nicId: 'nic-1', mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: 'kt-test0' }, pciSlot: 8 }],
};

const blockstats = [
  { device: '', qdev: '/machine/peripheral/virtio-disk10/virtio-backend', stats: { rd_bytes: 1000, wr_bytes: 2000, rd_operations: 10, wr_operations: 20 } },
  { device: '', 'node-name': 'disk11', stats: { rd_bytes: 5, wr_bytes: 6, rd_operations: 1, wr_operations: 2 } },
  { device: '', qdev: '/machine/peripheral/virtio-cidata/virtio-backend', stats: { rd_bytes: 99, wr_bytes: 0, rd_operations: 9, wr_operations: 0 } },
];

test('/proc parsers: utime+stime of a command name with spaces and parentheses; RSS pages', () => {
  const stat = '4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1000 1234 567 0';
  assert.equal(cpuTimeNsFromProcStat(stat), 3e9, '(250 + 50) ticks of 10 ms');
  assert.equal(rssBytesFromStatm('10000 2560 100 1 0 500 0\n'), 2560 * 4096);
  assert.throws(() => cpuTimeNsFromProcStat('garbage'), /unexpected/);
});

test('query-blockstats maps block nodes to volumes (by node name or device path); the config drive is left out', () => {
  assert.deepEqual(diskCountersFromBlockStats(spec, blockstats), [
    { device: 'vol-root', readBytes: 1000, writeBytes: 2000, readOps: 10, writeOps: 20 },
    { device: 'vol-data', readBytes: 5, writeBytes: 6, readOps: 1, writeOps: 2 },
  ]);
});

// Regression: the reader matched only `disk<slot>` names, but disks are attached as -blockdev t-<vol>
// with device vblk-<vol> (disk-blockdev.ts), so every real guest's disk series read 0.
test('blockstats_of_blockdev_named_disks_not_matched: entries named as the argv names them map to their volumes', () => {
  const root = diskNames('vol-root');
  const data = diskNames('vol-data');
  assert.deepEqual(diskCountersFromBlockStats(spec, [
    { device: '', 'node-name': root.filterNode, qdev: `/machine/peripheral/${root.device}/virtio-backend`, stats: { rd_bytes: 7, wr_bytes: 8, rd_operations: 1, wr_operations: 2 } },
    { device: '', qdev: `/machine/peripheral/${data.device}/virtio-backend`, stats: { rd_bytes: 9, wr_bytes: 10, rd_operations: 3, wr_operations: 4 } },
    { device: '', 'node-name': 'cidata', qdev: '/machine/peripheral/virtio-cidata/virtio-backend', stats: { rd_bytes: 1, wr_bytes: 0, rd_operations: 1, wr_operations: 0 } },
  ]), [
    { device: 'vol-root', readBytes: 7, writeBytes: 8, readOps: 1, writeOps: 2 },
    { device: 'vol-data', readBytes: 9, writeBytes: 10, readOps: 3, writeOps: 4 },
  ]);
});

test('tap counters are turned to the guest\'s view (its rx is the tap\'s tx); a missing tap reads as null', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-sysnet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const stats = join(dir, 'kt-test0', 'statistics');
  await mkdir(stats, { recursive: true });
  const values: Record<string, number> = { rx_bytes: 100, tx_bytes: 7000, rx_packets: 1, tx_packets: 7, rx_dropped: 0, tx_dropped: 3 };
  for (const [k, v] of Object.entries(values)) await writeFile(join(stats, k), `${v}\n`);
  assert.deepEqual(await tapCounters('kt-test0', dir), { device: 'kt-test0', rxBytes: 7000, txBytes: 100, rxPackets: 7, txPackets: 1, rxDrops: 3, txDrops: 0 });
  assert.equal(await tapCounters('kt-gone', dir), null);
});

test('readQemuCounters over a mock QMP (vCPU thread ids from query-cpus-fast) and this process\' own /proc entries', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qmpm-'));
  const mock = new MockQmp(join(dir, 'qmp.sock'), (cmd, conn) => {
    if (cmd.execute === 'query-blockstats') send(conn, { return: blockstats, id: cmd.id });
    else if (cmd.execute === 'query-cpus-fast') send(conn, { return: [{ 'cpu-index': 0, 'thread-id': process.pid }], id: cmd.id });
    else send(conn, { error: { class: 'CommandNotFound', desc: cmd.execute }, id: cmd.id });
  });
  await mock.listen();
  const qmp = await QmpClient.connect(mock.path);
  t.after(async () => { await qmp.close(); await mock.close(); await rm(dir, { recursive: true, force: true }); });
  const c = await readQemuCounters({ instanceId: 'i-m', pid: process.pid, spec, qmp }, () => 1234, join(dir, 'no-sys'));
  assert.ok(c);
  assert.equal(c.at, 1234);
  assert.ok(c.cpuTimeNs > 0, 'the "vCPU" thread (here: this process\' main thread, /proc/<pid>/task/<pid>) has used CPU');
  assert.ok(c.memoryBytes > 10 * 2 ** 20, 'and holds memory');
  assert.deepEqual(c.disks.map((d) => d.device), ['vol-root', 'vol-data']);
  assert.deepEqual(c.nics, [], 'no tap here');
  assert.deepEqual(diskCountersFromBlockStats(spec, [{ device: '', 'node-name': 'disk10', stats: { rd_bytes: 1, wr_bytes: 2, rd_operations: 3, wr_operations: 4, rd_total_time_ns: 3e6, wr_total_time_ns: 8e6 } }]),
    [{ device: 'vol-root', readBytes: 1, writeBytes: 2, readOps: 3, writeOps: 4, readTimeNs: 3e6, writeTimeNs: 8e6 }], 'time spent on reads and writes, for latency');
  assert.equal(await readQemuCounters({ instanceId: 'i-m', pid: 2 ** 22 + 7, spec, qmp }, () => 0), null, 'a process that is gone');
});

test('balloon guest-stats over a mock QMP: polling is switched on until the guest reports, then total − available is its memory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qmpb-'));
  let reported = false;
  const sets: unknown[] = [];
  const mock = new MockQmp(join(dir, 'qmp.sock'), (cmd, conn) => {
    const args = cmd.arguments as { path?: string; property?: string; value?: unknown } | undefined;
    if (cmd.execute === 'qom-get' && args?.path === '/machine/peripheral/balloon0' && args.property === 'guest-stats') {
      const stats = reported ? { 'stat-total-memory': 120e6, 'stat-available-memory': 90e6, 'stat-free-memory': 80e6 } : { 'stat-total-memory': -1, 'stat-free-memory': -1 };
      send(conn, { return: { stats, 'last-update': reported ? 1_700_000_000 : 0 }, id: cmd.id });
    } else if (cmd.execute === 'qom-set') {
      sets.push(args);
      send(conn, { return: {}, id: cmd.id });
    } else if (cmd.execute === 'query-blockstats') send(conn, { return: [], id: cmd.id });
    else if (cmd.execute === 'query-cpus-fast') send(conn, { return: [{ 'cpu-index': 0, 'thread-id': process.pid }], id: cmd.id });
    else send(conn, { error: { class: 'CommandNotFound', desc: cmd.execute }, id: cmd.id });
  });
  await mock.listen();
  const qmp = await QmpClient.connect(mock.path);
  t.after(async () => { await qmp.close(); await mock.close(); await rm(dir, { recursive: true, force: true }); });
  const ballooned = { ...spec, memoryBalloon: true };
  const first = await readQemuCounters({ instanceId: 'i-m', pid: process.pid, spec: ballooned, qmp }, () => 1, join(dir, 'no-sys'));
  assert.equal(first?.guestMemoryUsedBytes, undefined, 'no report yet');
  assert.deepEqual(sets, [{ path: '/machine/peripheral/balloon0', property: 'guest-stats-polling-interval', value: 10 }]);
  reported = true;
  const second = await readQemuCounters({ instanceId: 'i-m', pid: process.pid, spec: ballooned, qmp }, () => 2, join(dir, 'no-sys'));
  assert.equal(second?.guestMemoryUsedBytes, 30e6);
  assert.equal(sets.length, 1, 'polling is on: not set again');
  const plain = await readQemuCounters({ instanceId: 'i-m', pid: process.pid, spec, qmp }, () => 3, join(dir, 'no-sys'));
  assert.equal(plain?.guestMemoryUsedBytes, undefined, 'no balloon in the spec: not asked');
  assert.equal(guestMemoryUsedFromStats({ stats: { 'stat-total-memory': 100, 'stat-free-memory': 40 }, 'last-update': 5 }), 60, 'older guests: total − free');
});
