import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostSampleBetween, instanceSampleBetween, volumeSamplesBetween } from './counter-rates.ts';
import type { HostCounters, InstanceCounters } from './instance-counters.ts';
import { alertRuleForEvent, poolIsFull } from './alert-rules.ts';

const base: InstanceCounters = {
  instanceId: 'i-1', at: 1_000_000, vcpus: 2, cpuTimeNs: 0, memoryBytes: 512 * 2 ** 20,
  disks: [{ device: 'vol-a', readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 }],
  nics: [{ device: 'tap1', rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxDrops: 0, txDrops: 0 }],
};

test('instance rates: CPU share of all vCPUs, per-second disk and NIC rates summed over devices', () => {
  const cur: InstanceCounters = {
    ...base, at: base.at + 10_000, cpuTimeNs: 10e9, // 10 s of CPU in 10 s on 2 vCPUs: 50 %
    disks: [{ device: 'vol-a', readBytes: 10_240, writeBytes: 20_480, readOps: 10, writeOps: 20 }, { device: 'vol-new', readBytes: 1e9, writeBytes: 0, readOps: 0, writeOps: 0 }],
    nics: [{ device: 'tap1', rxBytes: 15_000, txBytes: 1500, rxPackets: 10, txPackets: 1, rxDrops: 3, txDrops: 2 }],
  };
  const s = instanceSampleBetween(base, cur);
  assert.deepEqual(s, {
    instanceId: 'i-1', at: 1010, cpuPct: 50, memoryBytes: 512 * 2 ** 20,
    diskReadBps: 1024, diskWriteBps: 2048, diskReadIops: 1, diskWriteIops: 2,
    netRxBps: 1500, netTxBps: 150, netRxPps: 1, netTxPps: 0.1, netDropsPs: 0.5,
    volumes: [{ volumeId: 'vol-a', diskReadBps: 1024, diskWriteBps: 2048, diskReadIops: 1, diskWriteIops: 2, diskReadLatencyMs: 0, diskWriteLatencyMs: 0 }],
    nics: [{ device: 'tap1', netRxBps: 1500, netTxBps: 150, netRxPps: 1, netTxPps: 0.1, netDropsPs: 0.5 }],
  }, 'a disk hot-plugged in between counts from its next reading');
});

test('instance rates: CPU is capped at 100 %; a restarted QEMU (time going backwards) gives no sample', () => {
  assert.equal(instanceSampleBetween(base, { ...base, at: base.at + 1000, cpuTimeNs: 5e9 })?.cpuPct, 100);
  assert.equal(instanceSampleBetween({ ...base, cpuTimeNs: 5e9 }, { ...base, at: base.at + 1000, cpuTimeNs: 1e9 }), null);
  assert.equal(instanceSampleBetween(base, base), null, 'no time passed');
});

test('host rates: busy, iowait and steal shares of the ticks; fullest pool; guest traffic summed', () => {
  const a: HostCounters = { at: 0, cpuBusyTicks: 100, cpuTotalTicks: 1000, cpuIowaitTicks: 0, cpuStealTicks: 0, load1: 0.5, memoryTotalBytes: 8e9, memoryAvailableBytes: 6e9 };
  const b: HostCounters = { ...a, at: 10_000, cpuBusyTicks: 350, cpuTotalTicks: 2000, cpuIowaitTicks: 100, cpuStealTicks: 50, load1: 1.25 };
  const inst = instanceSampleBetween(base, { ...base, at: base.at + 10_000, nics: [{ ...base.nics[0]!, rxBytes: 10_000 }] })!;
  const s = hostSampleBetween(a, b, [inst, inst], [{ capacityGiB: 100, usedGiB: 50 }, { capacityGiB: 10, usedGiB: 9 }, { capacityGiB: 0, usedGiB: 0 }]);
  assert.deepEqual(s, {
    at: 10, cpuPct: 25, cpuIowaitPct: 10, cpuStealPct: 5, load1: 1.25, memoryUsedBytes: 2e9, memoryTotalBytes: 8e9, poolUsedPct: 90,
    netRxBps: 2000, netTxBps: 0, diskReadBps: 0, diskWriteBps: 0,
  });
  const withNics = hostSampleBetween(
    { ...a, nics: [{ device: 'kbr-1', rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxDrops: 0, txDrops: 0 }] },
    { ...b, nics: [{ device: 'kbr-1', rxBytes: 5000, txBytes: 1000, rxPackets: 50, txPackets: 10, rxDrops: 1, txDrops: 0 }, { device: 'kvx-new', rxBytes: 9, txBytes: 9, rxPackets: 9, txPackets: 9, rxDrops: 0, txDrops: 0 }] },
    [], [],
  );
  assert.deepEqual(withNics?.nics, [{ device: 'kbr-1', netRxBps: 500, netTxBps: 100, netRxPps: 5, netTxPps: 1, netDropsPs: 0.1 }], 'a device that appeared counts from its next reading');
  assert.equal(hostSampleBetween(a, b, [], [])?.nics, undefined, 'no device counters, no per-device series');
  assert.equal(hostSampleBetween(b, b, [], []), null);
});

test('volume latency: time spent over operations completed in the interval; no operations, 0', () => {
  const prev = [{ device: 'vol-a', readBytes: 0, writeBytes: 0, readOps: 100, writeOps: 10, readTimeNs: 1e9, writeTimeNs: 5e6 }];
  const cur = [{ device: 'vol-a', readBytes: 4096, writeBytes: 0, readOps: 110, writeOps: 10, readTimeNs: 1.05e9, writeTimeNs: 5e6 }];
  assert.deepEqual(volumeSamplesBetween(prev, cur, 10), [{ volumeId: 'vol-a', diskReadBps: 409.6, diskWriteBps: 0, diskReadIops: 1, diskWriteIops: 0, diskReadLatencyMs: 5, diskWriteLatencyMs: 0 }]);
  const g = instanceSampleBetween({ ...base, guestMemoryUsedBytes: 1 }, { ...base, at: base.at + 10_000, guestMemoryUsedBytes: 300e6 });
  assert.equal(g?.guestMemoryUsedBytes, 300e6, 'guest-reported memory is a gauge: the newest reading');
  assert.equal(instanceSampleBetween(base, { ...base, at: base.at + 10_000 })?.guestMemoryUsedBytes, undefined);
});

test('alert rules: host.down and HA restarts raise alerts, alerts raise none; pools above 85 % are full', () => {
  assert.equal(alertRuleForEvent('host.down'), 'host-down');
  assert.equal(alertRuleForEvent('instance.ha-restarted'), 'ha-restart');
  assert.equal(alertRuleForEvent('instance.ha-restart'), 'ha-restart', 'the HA controller\'s event (ha-controller.ts follow)');
  assert.equal(alertRuleForEvent('instance.ha-restart-failed'), 'ha-restart');
  assert.equal(alertRuleForEvent('host.fenced'), 'host-fenced');
  assert.equal(alertRuleForEvent('host.fence-cancelled'), null);
  assert.equal(alertRuleForEvent('host.disconnected'), null);
  assert.equal(alertRuleForEvent('alert.host-down'), null);
  assert.equal(poolIsFull({ capacityGiB: 100, usedGiB: 85 }), false);
  assert.equal(poolIsFull({ capacityGiB: 100, usedGiB: 85.1 }), true);
  assert.equal(poolIsFull({ capacityGiB: 0, usedGiB: 5 }), false);
});
