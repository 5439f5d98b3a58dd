// The config drive script's meta-data parsing, run with the static busybox the
// guest gets (package busybox-static).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDriveMountPoint, configDriveScript, metaDataHelper, rcScript } from './guest-scripts.ts';

function instanceIdOf(metaData: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-meta-data-'));
  try {
    const file = join(dir, 'meta-data');
    if (metaData !== undefined) writeFileSync(file, metaData);
    const out = execFileSync('busybox', ['sh', '-c', `${metaDataHelper}\nmeta_instance_id "$1"`, 'sh', file], { encoding: 'utf8' });
    return out.replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('meta-data: instance-id from YAML, quoted, commented, CRLF, or one-key-per-line JSON', () => {
  assert.equal(instanceIdOf('instance-id: i-configdrive-test\nlocal-hostname: vm1\n'), 'i-configdrive-test');
  assert.equal(instanceIdOf('local-hostname: vm1\ninstance-id: "i-quoted"  # from kumo\n'), 'i-quoted');
  assert.equal(instanceIdOf("instance-id: 'i-single'\n"), 'i-single');
  assert.equal(instanceIdOf('instance-id: i-crlf\r\nlocal-hostname: x\r\n'), 'i-crlf');
  assert.equal(instanceIdOf('{\n  "instance-id": "i-json",\n  "local-hostname": "h"\n}\n'), 'i-json');
  assert.equal(instanceIdOf('instance-id: i-first\ninstance-id: i-second\n'), 'i-first');
});

test('meta-data: empty without an instance-id, or with one that is not safe to print', () => {
  assert.equal(instanceIdOf('local-hostname: vm1\n'), '');
  assert.equal(instanceIdOf('my-instance-id: x\n'), '');
  assert.equal(instanceIdOf('instance-id: a b\n'), '');
  assert.equal(instanceIdOf('instance-id: $(reboot)\n'), '');
  assert.equal(instanceIdOf(undefined), '', 'no meta-data file');
});

test('the config drive script mounts read-only, prints its marker, and rcS runs it before KUMO-BOOT-OK', () => {
  assert.match(configDriveScript, /mount -t iso9660 -o ro "\$dev" "\$mnt"/);
  assert.match(configDriveScript, /^echo "KUMO-CONFIG-DRIVE instance-id=\$id"$/m);
  assert.match(configDriveScript, /KUMO-USER-DATA exit=\$\?/);
  assert.equal(configDriveMountPoint, '/run/kumo/cidata');
  const run = rcScript.indexOf('/usr/libexec/kumo/config-drive');
  assert.ok(run > rcScript.indexOf('mkdir -p /run/kumo') && run < rcScript.indexOf('echo KUMO-BOOT-OK'));
});
