import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NicCounters } from '@kumo/core';

const reader = fileURLToPath(new URL('./host-net-counters.ts', import.meta.url));

/** readHostNetCounters run inside the namespace (`ip netns exec` mounts that namespace's /sys). */
function readIn(ns: string): NicCounters[] {
  const script = `const m = await import(${JSON.stringify(reader)}); process.stdout.write(JSON.stringify(await m.readHostNetCounters()));`;
  return JSON.parse(execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as NicCounters[];
}

test('host bridge and VXLAN counters: a real bridge and VXLAN device in a namespace are read, a veth is not; traffic on the bridge counts', async () => {
  const ns = `kumo-hnc-${process.pid}`;
  const ip = (...a: string[]) => execFileSync('ip', ['-n', ns, ...a]);
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    ip('link', 'add', 'kbr-t', 'type', 'bridge');
    ip('link', 'add', 'kvx-t', 'type', 'vxlan', 'id', '4242', 'dstport', '4789');
    ip('link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b');
    ip('addr', 'add', '10.99.0.1/24', 'dev', 'kbr-t');
    for (const d of ['kbr-t', 'kvx-t', 'veth-a', 'veth-b']) ip('link', 'set', d, 'up');
    const before = readIn(ns);
    assert.deepEqual(before.map((c) => c.device), ['kbr-t', 'kvx-t']);
    // A datagram to an absent neighbour on the bridge's subnet: the bridge sends ARP requests.
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
      "const s = require('node:dgram').createSocket('udp4'); s.send('x', 9, '10.99.0.55', () => setTimeout(() => s.close(), 1500));"]);
    const after = readIn(ns);
    const br = (cs: NicCounters[]) => cs.find((c) => c.device === 'kbr-t')!;
    assert.ok(br(after).txPackets > br(before).txPackets, `the bridge sent ARP requests: ${JSON.stringify([br(before), br(after)])}`);
    assert.ok(br(after).txBytes > br(before).txBytes);
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
});
