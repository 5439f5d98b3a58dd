import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultDebianMirror, hostDebianMirror, mirrorFromAptSources } from './debian-mirror.ts';

test('a deb822 sources file gives its main archive, not debian-security', () => {
  const text = [
    'Types: deb', '# http://snapshot.debian.org/archive/debian/20250520T000000Z', 'URIs: http://deb.debian.org/debian/',
    'Suites: bookworm', '', 'Types: deb', 'URIs: http://deb.debian.org/debian-security', 'Suites: bookworm-security',
  ].join('\n');
  assert.equal(mirrorFromAptSources(text), 'http://deb.debian.org/debian');
  assert.equal(mirrorFromAptSources('URIs: http://security.debian.org/debian-security\n'), null);
});

test('a one-line sources.list gives its first deb mirror, options and comments skipped', () => {
  const text = '# deb http://old.example/debian bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n';
  assert.equal(mirrorFromAptSources(text), 'http://mirror.example/debian');
});

test('hostDebianMirror: the override, then apt sources, then deb.debian.org', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-apt-'));
  try {
    assert.equal(await hostDebianMirror({}, dir), defaultDebianMirror);
    await mkdir(join(dir, 'sources.list.d'));
    await writeFile(join(dir, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://local.mirror/debian\nSuites: bookworm\n');
    assert.equal(await hostDebianMirror({}, dir), 'http://local.mirror/debian');
    assert.equal(await hostDebianMirror({ KUMO_DEBIAN_MIRROR: 'http://forced/debian/' }, dir), 'http://forced/debian');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
