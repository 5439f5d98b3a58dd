import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetcfgError } from './netcfg-error.ts';
import {
  chooseSecurityGroupMode, defaultSecurityGroupRules, renderSecurityGroupNft, type SecurityGroupHostConfig,
} from './secgroup-nft.ts';
import { assertGolden, goldenCases } from './testbed/golden-file.ts';

for (const c of goldenCases('secgroup', 'nft')) {
  test(`golden ${c.name}`, () => assertGolden(renderSecurityGroupNft(c.input as SecurityGroupHostConfig), c.expectedPath));
}

const nic = { nicId: 'nic-1', tap: 'tap1', mac: '52:54:00:00:00:01', ips: ['10.0.0.5'], groupIds: ['sg-1'] };
const group = { id: 'sg-1', ...defaultSecurityGroupRules('sg-1'), memberIps: ['10.0.0.5'] };

function refused(config: SecurityGroupHostConfig, code: string, field: string, message: RegExp): void {
  assert.throws(() => renderSecurityGroupNft(config), (e: unknown) => {
    assert.ok(e instanceof NetcfgError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('the EC2 default group lets members talk and allows all egress', () => {
  const text = renderSecurityGroupNft({ mode: 'bridge', groups: [group], nics: [nic] });
  assert.match(text, /set grp_sg_1 \{\n\t\ttype ipv4_addr\n\t\tcomment "sg-1"\n\t\telements = \{ 10\.0\.0\.5 \}/);
  assert.match(text, /chain nic_tap1_to \{[^}]*ip saddr @grp_sg_1 accept/);
  assert.match(text, /chain nic_tap1_from \{[\s\S]*?\n\t\taccept\n\t\tcounter drop/);
});

test('chooses bridge conntrack, then br_netfilter, else refuses', () => {
  assert.deepEqual(chooseSecurityGroupMode({ vlan8021q: false, bridgeConntrack: true, brNetfilter: true }), { ok: true, mode: 'bridge' });
  assert.deepEqual(chooseSecurityGroupMode({ vlan8021q: false, bridgeConntrack: false, brNetfilter: true }), { ok: true, mode: 'br_netfilter' });
  const no = chooseSecurityGroupMode({ vlan8021q: true, bridgeConntrack: false, brNetfilter: false });
  assert.equal(no.ok, false);
  assert.match(no.ok ? '' : no.reason, /CONFIG_NF_CONNTRACK_BRIDGE/);
});

test('refuses unknown groups, duplicate MACs, NICs without IPs and colliding chain names', () => {
  refused({ mode: 'bridge', groups: [], nics: [nic] }, 'invalid', 'nics[0].groupIds[0]', /not in groups/);
  refused({ mode: 'bridge', groups: [group], nics: [nic, { ...nic, nicId: 'nic-2', tap: 'tap2' }] }, 'conflict', 'nics[1].mac', /used by two NICs/);
  refused({ mode: 'bridge', groups: [group], nics: [{ ...nic, ips: [] }] }, 'invalid', 'nics[0].ips', /at least one/);
  refused({ mode: 'bridge', groups: [group], nics: [{ ...nic, tap: 'tap-1' }, { ...nic, nicId: 'n2', mac: '52:54:00:00:00:02', tap: 'tap_1' }] },
    'conflict', 'nics[1].tap', /same chain name/);
  refused({ mode: 'bridge', groups: [{ ...group, ingress: [{ protocol: 'tcp', cidr: '0.0.0.0/0', groupId: 'sg-1' }] }], nics: [] },
    'invalid', 'groups[0].ingress[0]', /exactly one peer/);
  refused({ mode: 'bridge', groups: [{ ...group, ingress: [{ protocol: 'tcp', groupId: 'sg-9' }] }], nics: [] },
    'invalid', 'groups[0].ingress[0].groupId', /sg-9/);
});

test('br_netfilter mode gives each NIC a distinct mark id in sorted tap order', () => {
  const text = renderSecurityGroupNft({ mode: 'br_netfilter', groups: [group], nics: [
    { ...nic, tap: 'tapb', mac: '52:54:00:00:00:02' }, { ...nic, tap: 'tapa' },
  ] });
  assert.match(text, /0x00001000 : jump nic_tapa_egress, 0x00002000 : jump nic_tapb_egress/);
  assert.match(text, /0x00000001 : jump nic_tapa_ingress, 0x00000002 : jump nic_tapb_ingress/);
});
