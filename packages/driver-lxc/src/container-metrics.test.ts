import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskFromBlkio, diskFromIoStat, fromLxcConfig, parseKeyValues } from './container-metrics.ts';

test('cgroup parsers: v2 io.stat and v1 blkio summed over devices; cpu.stat and memory.stat keys', () => {
  assert.deepEqual(diskFromIoStat('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=10 wbytes=20 rios=3 wios=4 dbytes=0 dios=0\n'),
    { device: 'rootfs', readBytes: 4106, writeBytes: 8212, readOps: 4, writeOps: 6 });
  const bytes = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 0\n8:0 Total 12288\n8:16 Read 1\n8:16 Write 2\nTotal 12291\n';
  const ops = '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n';
  assert.deepEqual(diskFromBlkio(bytes, ops), { device: 'rootfs', readBytes: 4097, writeBytes: 8194, readOps: 1, writeOps: 2 });
  assert.equal(parseKeyValues('usage_usec 1234\nuser_usec 1000\n').get('usage_usec'), 1234);
});

test('LXC config: veth host ends, and CPUs from the quota (v1 and v2); no quota, null', () => {
  const v2 = 'lxc.net.0.type = veth\nlxc.net.0.veth.pair = kv-a\nlxc.net.1.veth.pair = kv-b\nlxc.cgroup2.cpu.max = 150000 100000\n';
  assert.deepEqual(fromLxcConfig(v2), { veths: ['kv-a', 'kv-b'], cpus: 2 });
  assert.deepEqual(fromLxcConfig('lxc.cgroup.cpu.cfs_period_us = 100000\nlxc.cgroup.cpu.cfs_quota_us = 100000\n'), { veths: [], cpus: 1 });
  assert.deepEqual(fromLxcConfig('lxc.cgroup.cpu.cfs_period_us = 100000\nlxc.cgroup.cpu.cfs_quota_us = -1\nlxc.cgroup2.cpu.max = max 100000\n'), { veths: [], cpus: null });
});
