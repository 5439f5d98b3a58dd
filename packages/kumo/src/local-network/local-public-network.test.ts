import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { checkLocalPublicNetwork, defaultLocalPublicNetwork, renderLocalPublicNft } from './local-public-network.ts';
import { applyLocalPublicNetwork } from './local-public-network-apply.ts';

test('local public network: the nft table replaces itself atomically, accepts forwarding on the bridge, masquerades the range elsewhere', () => {
  assert.equal(renderLocalPublicNft(defaultLocalPublicNetwork), [
    'table ip kumo_local_public',
    'delete table ip kumo_local_public',
    'table ip kumo_local_public {',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    iifname "kumopub0" ip saddr 198.18.0.0/24 accept',
    '    oifname "kumopub0" ip daddr 198.18.0.0/24 accept',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    ip saddr 198.18.0.0/24 oifname != "kumopub0" masquerade',
    '  }',
    '}',
    '',
  ].join('\n'));
});

test('local public network: inconsistent plans are refused naming the field', () => {
  const base = defaultLocalPublicNetwork;
  assert.throws(() => checkLocalPublicNetwork({ ...base, gateway: '10.0.0.1' }), /^Error: gateway:/);
  assert.throws(() => checkLocalPublicNetwork({ ...base, gateway: '198.18.0.20' }), /^Error: gateway: .* inside the public IP range/);
  assert.throws(() => checkLocalPublicNetwork({ ...base, startIp: '198.18.0.251' }), /^Error: startIp:/);
  assert.throws(() => checkLocalPublicNetwork({ ...base, bridge: 'a-name-far-too-long' }), /^Error: bridge:/);
});

test('local public network: applying creates what is missing and leaves what matches (idempotent)', () => {
  const calls: string[] = [];
  let exists = false;
  const exec = (argv: string[]): string => {
    calls.push(argv.join(' '));
    if (argv.join(' ') === 'ip -j link show') return JSON.stringify(exists ? [{ ifname: 'lo' }, { ifname: 'kumopub0' }] : [{ ifname: 'lo' }]);
    if (argv[2] === '-4') return JSON.stringify(exists ? [{ addr_info: [{ local: '198.18.0.1', prefixlen: 24 }] }] : [{ addr_info: [] }]);
    return '';
  };
  applyLocalPublicNetwork(defaultLocalPublicNetwork, exec);
  assert.ok(calls.includes('ip link add kumopub0 type bridge'));
  assert.ok(calls.includes('ip addr replace 198.18.0.1/24 dev kumopub0'));
  calls.length = 0;
  exists = true;
  applyLocalPublicNetwork(defaultLocalPublicNetwork, exec);
  assert.deepEqual(calls.filter((c) => c.startsWith('ip link add') || c.startsWith('ip addr replace')), [], 'a second run changes nothing it does not need to');
  assert.ok(calls.includes('nft -f -'), 'the NAT table is loaded anew every time (drift repair)');
});

test('local public network: nft accepts the rendered table (nft -c, changes nothing)', () => {
  // `delete table` of a table that does not exist fails a check run; check the definition alone.
  const text = renderLocalPublicNft(defaultLocalPublicNetwork).split('\n').slice(2).join('\n');
  const r = spawnSync('nft', ['-c', '-f', '-'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
