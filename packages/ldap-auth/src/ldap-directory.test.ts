import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LdapDirectory, DirectoryUnavailableError, type LdapDirectoryConfig } from './ldap-directory.ts';
import { escapeFilterValue } from './ldap-filter.ts';
import { startSlapd, type Slapd } from './testing/slapd-fixture.ts';

// Against a real slapd (Debian's) on loopback, loaded from testing/directory-fixture.ldif.
describe('LdapDirectory against slapd', () => {
  let slapd: Slapd;
  let config: LdapDirectoryConfig;
  before(async () => {
    slapd = await startSlapd();
    config = {
      url: slapd.url, startTls: false, tlsCaFile: null, tlsVerify: true,
      bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword,
      userSearchBase: `ou=people,${slapd.suffix}`, userFilter: '(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))',
      groupSearchBase: `ou=groups,${slapd.suffix}`, groupFilter: '(member={dn})', timeoutMs: 5000,
    };
  });
  after(async () => { await slapd?.cleanup(); });

  test('finds a user with their groups, and checks the password by binding as them', async () => {
    const dir = new LdapDirectory(config);
    const ok = await dir.login('alice', 'alice-dir-pw');
    assert.equal(ok.kind, 'ok');
    assert.ok(ok.kind === 'ok');
    assert.equal(ok.user.dn, `uid=alice,ou=people,${slapd.suffix}`);
    assert.deepEqual(ok.user.groups, [`cn=kumo-admins,ou=groups,${slapd.suffix}`]);
    assert.equal(ok.user.mail, 'alice@kumo.test');
    assert.deepEqual(await dir.login('alice', 'wrong'), { kind: 'wrong-password' });
    assert.deepEqual(await dir.login('alice', ''), { kind: 'wrong-password' }, 'an empty password is never an anonymous bind');
    assert.deepEqual(await dir.login('nobody', 'x'), { kind: 'no-such-user' });
  });

  test('the user filter hides disabled users', async () => {
    assert.deepEqual(await new LdapDirectory(config).login('erin', 'erin-dir-pw'), { kind: 'no-such-user' });
  });

  test('a login name cannot widen the filter (RFC 4515 escaping)', async () => {
    assert.equal(escapeFilterValue('a*)(uid=*'), 'a\\2a\\29\\28uid=\\2a');
    assert.deepEqual(await new LdapDirectory(config).login('*', 'alice-dir-pw'), { kind: 'no-such-user' });
    assert.deepEqual(await new LdapDirectory(config).login('al*', 'alice-dir-pw'), { kind: 'no-such-user' });
  });

  test('a wrong service password or a closed port is "unavailable", naming the directory', async () => {
    await assert.rejects(new LdapDirectory({ ...config, bindPassword: 'nope' }).findUser('alice'), (e: unknown) => e instanceof DirectoryUnavailableError && e.message.includes(slapd.url));
    await assert.rejects(new LdapDirectory({ ...config, url: 'ldap://127.0.0.1:1', timeoutMs: 2000 }).login('alice', 'x'), DirectoryUnavailableError);
  });
});

// The same directory over TLS: StartTLS on ldap://, and ldaps://, checked against the test CA.
describe('LdapDirectory over TLS (slapd with a test CA)', () => {
  let slapd: Slapd;
  let config: LdapDirectoryConfig;
  before(async () => {
    slapd = await startSlapd({ tls: true });
    config = {
      url: slapd.url, startTls: true, tlsCaFile: slapd.caFile, tlsVerify: true,
      bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword,
      userSearchBase: `ou=people,${slapd.suffix}`, userFilter: '(uid={username})',
      groupSearchBase: `ou=groups,${slapd.suffix}`, groupFilter: '(member={dn})', timeoutMs: 5000,
    };
  });
  after(async () => { await slapd?.cleanup(); });

  test('StartTLS and LDAPS log in when the CA is given', async () => {
    assert.equal((await new LdapDirectory(config).login('bob', 'bob-dir-pw')).kind, 'ok');
    assert.equal((await new LdapDirectory({ ...config, url: slapd.ldapsUrl!, startTls: false }).login('bob', 'bob-dir-pw')).kind, 'ok');
  });

  test('a certificate from an unknown CA is refused (unavailable), unless verification is turned off', async () => {
    await assert.rejects(new LdapDirectory({ ...config, tlsCaFile: null }).login('bob', 'bob-dir-pw'), DirectoryUnavailableError);
    await assert.rejects(new LdapDirectory({ ...config, url: slapd.ldapsUrl!, startTls: false, tlsCaFile: null }).login('bob', 'bob-dir-pw'), DirectoryUnavailableError);
    assert.equal((await new LdapDirectory({ ...config, tlsCaFile: null, tlsVerify: false }).login('bob', 'bob-dir-pw')).kind, 'ok');
  });
});
