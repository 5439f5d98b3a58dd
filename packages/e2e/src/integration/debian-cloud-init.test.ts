/**
 * A real distribution image finds Kumo by itself: Debian 12 with stock cloud-init 22.4 (built offline
 * by @kumo/image-debian), booted on a Kumo network. Without a config drive, ds-identify sees the SMBIOS
 * serial `ds=nocloud-net;s=http://169.254.169.254/nocloud/` and the NoCloud datasource reads the
 * metadata service; with --config-drive it reads the drive. Either way cloud-init runs the instance's
 * user data (a script printing markers on the serial console), sets the host name to the instance's
 * name and installs the key pair's public key for Debian's default user.
 *
 * Both guests boot at once (one per namespace host) and every assertion reads their console logs:
 * Debian with systemd under TCG is the slow part. The image declares guestAgent, so the same guests
 * also show that Debian's qemu-guest-agent answers through Kumo: guest info (OS and addresses) and
 * set-password.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { GuestInfo, Operation } from '@kumo/api';
import { buildDebianImage } from '@kumo/image-debian';
import { uploadKernelImage } from '@kumo/kumo/tiny-image';
import { startNamespaceCloud, type NamespaceCloud } from '../testing/namespace-cloud.ts';
import { eventually } from '../testing/test-cloud.ts';

const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx kumo-cloud-init-test';
/** Runs as cloud-init's scripts-user: after set_hostname and ssh (the key), so all three are visible. */
const userData = [
  '#!/bin/sh',
  '{',
  '  echo "KUMO-CLOUD-INIT-USER-DATA ran as $(id -un)"',
  '  echo "KUMO-CLOUD-INIT-HOSTNAME=$(hostname)"',
  '  echo "KUMO-CLOUD-INIT-KEY=$(cat /home/debian/.ssh/authorized_keys)"',
  '  echo "KUMO-CLOUD-INIT-DATASOURCE=$(cloud-init query platform 2>/dev/null) $(cloud-init query subplatform 2>/dev/null)"',
  '} > /dev/ttyS0',
  '',
].join('\n');

describe('Debian cloud image: cloud-init finds Kumo with and without a config drive', { timeout: 900_000 }, () => {
  let cloud: NamespaceCloud | undefined;
  const guests: Record<'net' | 'drive', string> = { net: '', drive: '' };

  before(async () => {
    // Build (or find) the image before the cloud starts: a first build takes minutes.
    const image = await buildDebianImage({ log: (l) => process.stderr.write(`${l}\n`) });
    cloud = await startNamespaceCloud('cloud-init');
    const { client } = cloud;
    const imageId = (await uploadKernelImage(client, {
      name: 'debian-12-cloud-init', bundlePath: join(cloud.work, 'debian-bundle.tar'), cmdline: image.cmdline,
      parts: { vmlinuz: { path: image.kernel }, initrd: { path: image.initrd }, rootfs: { path: image.rootDisk }, cmdline: image.cmdline },
    })).imageId;
    await client.update('images', imageId, { guestAgent: true }); // the image has qemu-guest-agent (debian-image-spec.ts)
    const offeringId = (await client.create<{ id: string }>('offerings', { name: 'debian-test', vcpus: 1, memoryMiB: 1024, rootDiskGiB: 3 })).id;
    const keypairId = (await client.create<{ id: string }>('keypairs', { name: 'ci-key', publicKey })).id;
    const ops = await Promise.all((['net', 'drive'] as const).map((kind) => client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 300 },
      body: {
        name: `deb-${kind}`, zoneId: cloud!.zoneId, imageId, offeringId, keypairId, userData, nics: [{ networkId: cloud!.networkId }],
        ...(kind === 'drive' ? { configDrive: true } : {}),
      },
    })));
    for (const [i, kind] of (['net', 'drive'] as const).entries()) {
      assert.equal(ops[i]!.status, 'succeeded', ops[i]!.message);
      guests[kind] = ops[i]!.resourceId;
    }
  });

  after(async () => {
    await cloud?.destroy();
  });

  /** The console log once the user-data script has printed its last marker. */
  const ranUserData = async (kind: 'net' | 'drive'): Promise<string> => {
    let log = '';
    try {
      return await eventually(async () => {
        log = await cloud!.consoleLog(guests[kind]);
        if (/KUMO-CLOUD-INIT-DATASOURCE=[^\n]*\n/.test(log)) return log; // the tty writes \r\n, and . does not match \r
        await delay(2000);
        return undefined;
      }, `deb-${kind} running its user data`, 400_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the console said:\n${log.slice(-4000)}`);
    }
  };

  test('without a config drive: NoCloud from the metadata service (SMBIOS serial) runs user data, sets the host name, installs the key', async () => {
    const log = await ranUserData('net');
    assert.match(log, /KUMO-CLOUD-INIT-USER-DATA ran as root/);
    assert.match(log, /KUMO-CLOUD-INIT-HOSTNAME=deb-net\r?\n/);
    assert.ok(log.includes(`KUMO-CLOUD-INIT-KEY=${publicKey}`), 'the key pair is in /home/debian/.ssh/authorized_keys');
    assert.match(log, /KUMO-CLOUD-INIT-DATASOURCE=nocloud seed-dir \(dmi,http:\/\/169\.254\.169\.254\/nocloud\/\)/);
  });

  test('with --config-drive: NoCloud from the drive does the same', async () => {
    const log = await ranUserData('drive');
    assert.match(log, /KUMO-CLOUD-INIT-USER-DATA ran as root/);
    assert.match(log, /KUMO-CLOUD-INIT-HOSTNAME=deb-drive\r?\n/);
    assert.ok(log.includes(`KUMO-CLOUD-INIT-KEY=${publicKey}`), 'the key pair is in /home/debian/.ssh/authorized_keys');
    assert.match(log, /KUMO-CLOUD-INIT-DATASOURCE=nocloud config-disk \(\/dev\/vd[a-z]\)/);
  });

  test('qemu-guest-agent in the guest: guest info reports Debian and the address on the Kumo network; set-password answers', async () => {
    await ranUserData('net'); // systemd is up: the agent's unit started when its virtio-serial port appeared
    const { client } = cloud!;
    const id = guests.net;
    const nic = (await client.request<{ items: Array<{ ip: string; mac: string }> }>('GET', `/api/v1/instances/${id}/nics`)).items[0]!;
    let last: unknown;
    const info = await eventually(async () => {
      try {
        const g = await client.request<GuestInfo>('GET', `/api/v1/instances/${id}/guest`);
        last = g;
        return g.interfaces.some((i) => i.addresses.some((a) => a.address === nic.ip)) ? g : undefined;
      } catch (e) { last = (e as Error).message; await delay(2000); return undefined; }
    }, `guest info of deb-net with ${nic.ip}`, 120_000).catch((e: Error) => { throw new Error(`${e.message}; the last answer: ${JSON.stringify(last)}`); });
    assert.equal(info.os?.id, 'debian', JSON.stringify(info.os));
    assert.equal(info.os?.versionId, '12');
    const eth0 = info.interfaces.find((i) => i.name === 'eth0');
    assert.equal(eth0?.mac?.toLowerCase(), nic.mac.toLowerCase(), 'the address is on the NIC Kumo gave the guest');
    await client.request('POST', `/api/v1/instances/${id}/password`, { body: { user: 'debian', password: 'kumo-guest-agent-test' } });
  });
});
