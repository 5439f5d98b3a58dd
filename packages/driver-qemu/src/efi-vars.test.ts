import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { prepareEfiVars } from './efi-vars.ts';

test('EFI variables: the first start copies the template; later starts keep what the guest wrote', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-efivars-'));
  try {
    const template = join(dir, 'OVMF_VARS_4M.fd');
    const vars = join(dir, 'efi-vars.fd');
    await writeFile(template, 'template');
    assert.equal(await prepareEfiVars(vars, template), true);
    assert.equal(await readFile(vars, 'utf8'), 'template');
    await writeFile(vars, 'boot entries the guest wrote');
    assert.equal(await prepareEfiVars(vars, template), false);
    assert.equal(await readFile(vars, 'utf8'), 'boot entries the guest wrote');
    await assert.rejects(prepareEfiVars(join(dir, 'x.fd'), join(dir, 'missing.fd')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
