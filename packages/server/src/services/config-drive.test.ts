import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigDrive } from './config-drive.ts';

const golden = (name: string, text: string) => {
  const path = fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  assert.ok(existsSync(path), `${path} is missing; UPDATE_GOLDEN=1 writes it`);
  assert.equal(text, readFileSync(path, 'utf8'), `differs from ${path}`);
};

test('config drive: meta-data with keys, user data verbatim, static network config v2 with the default route on eth0', () => {
  const drive = renderConfigDrive({
    instanceId: 'i-01abc', hostname: 'web-1', publicKeys: ['ssh-ed25519 AAAAC3Nza alice@laptop\n'], userData: '#!/bin/sh\necho "hi: there"\n',
    nics: [
      { mac: '52:54:00:aa:bb:01', ip: '10.0.0.5', prefix: 24, gateway: '10.0.0.1', mtu: 1450, dnsServers: ['10.0.0.1'], searchDomain: 'cloud.internal' },
      { mac: '52:54:00:aa:bb:02', ip: '192.0.2.100', prefix: 24, gateway: '192.0.2.1', mtu: 1500, dnsServers: ['192.0.2.199'], searchDomain: 'lan.internal' },
    ],
  });
  assert.equal(drive.userData, '#!/bin/sh\necho "hi: there"\n');
  golden('config-drive.meta-data', drive.metaData);
  golden('config-drive.network-config', drive.networkConfig ?? '');
});

test('config drive: a name or key with YAML specials stays one quoted scalar; no NICs, no network config', () => {
  const drive = renderConfigDrive({ instanceId: 'i-x', hostname: 'a: b\n- c', publicKeys: [], userData: '', nics: [] });
  assert.equal(drive.metaData, 'instance-id: "i-x"\nlocal-hostname: "a: b\\n- c"\n');
  assert.equal(drive.networkConfig, undefined);
});
