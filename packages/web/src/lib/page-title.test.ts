import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en } from '../i18n/messages-en.ts';
import { parseRoute } from './app-route.ts';
import { documentTitle, pageTitleKey } from './page-title.ts';

test('browser_tab_title_never_changes: every list screen has its own title, detail screens title themselves', () => {
  assert.equal(en[pageTitleKey(parseRoute('/instances'))!], 'Instances');
  assert.equal(en[pageTitleKey(parseRoute('/volumes'))!], 'Volumes');
  assert.equal(en[pageTitleKey(parseRoute('/'))!], 'Dashboard');
  assert.equal(pageTitleKey(parseRoute('/instances/i-1')), undefined);
  assert.equal(documentTitle('Volumes', 'Kumo'), 'Volumes · Kumo');
  assert.equal(documentTitle(undefined, 'Kumo'), 'Kumo');
});
