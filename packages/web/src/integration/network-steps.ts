// The networking part of the browser suite: networks, security groups, the wizard's NICs, and a
// network's public IPs, port forwards, firewall rules, egress rules and load balancers.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { KumoClient } from '@kumo/api';
import { openScreen, shot } from './browser-helpers.ts';

/** What a zone needs before accounts can create isolated networks (an admin's job, done through the API). */
export async function seedZoneNetworking(client: KumoClient, zoneId: string): Promise<void> {
  await client.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5100 } });
  await client.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
  await client.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.30' });
}

interface ApiNetwork { id: string; name: string; sourceNatIp: string | null }

export async function networkingSteps(page: Page, client: KumoClient): Promise<void> {
  // A network from the form; the list shows its source-NAT address.
  await openScreen(page, 'Networks', 'Networks');
  await page.getByRole('button', { name: 'New network' }).click();
  const createForm = page.getByTestId('network-create');
  await createForm.getByLabel('Name', { exact: true }).fill('app');
  await createForm.getByLabel('CIDR', { exact: true }).fill('10.20.0.0/24');
  await createForm.getByRole('button', { name: 'Create', exact: true }).click();
  const row = page.locator('[data-testid=network-row][data-name=app]');
  await row.waitFor();
  const net = (await client.listAll<ApiNetwork>('networks', { name: 'app' }))[0];
  assert.ok(net?.sourceNatIp, 'the network got a source-NAT address');
  assert.equal(await row.locator('[data-key=source-nat]').innerText(), net.sourceNatIp);

  // An overlapping CIDR: the API's 409 appears at the CIDR field.
  await page.getByRole('button', { name: 'New network' }).click();
  await createForm.getByLabel('Name', { exact: true }).fill('app2');
  await createForm.getByLabel('CIDR', { exact: true }).fill('10.20.0.128/25');
  await createForm.getByRole('button', { name: 'Create', exact: true }).click();
  const cidrError = page.locator('#net-cidr-error');
  await cidrError.waitFor();
  assert.match(await cidrError.innerText(), /overlaps 10\.20\.0\.0\/24 of network app/);
  assert.equal(await createForm.getByLabel('CIDR', { exact: true }).getAttribute('aria-invalid'), 'true');
  await shot(page, '14-networks-cidr-refused');
  await page.getByRole('button', { name: 'Cancel' }).click();

  // A security group allowing HTTP from anywhere.
  await openScreen(page, 'Security groups', 'Security groups');
  await page.getByRole('button', { name: 'New security group' }).click();
  await page.getByTestId('security-group-create').getByLabel('Name', { exact: true }).fill('web');
  await page.getByTestId('security-group-create').getByRole('button', { name: 'Create', exact: true }).click();
  const sgRow = page.locator('[data-testid=security-group-row][data-name=web]');
  await sgRow.waitFor();
  await sgRow.getByRole('button', { name: 'Show rules: web' }).click();
  const rules = page.getByRole('region', { name: 'Rules of web' });
  await rules.getByRole('button', { name: 'Add rule' }).click();
  await rules.getByLabel('Ports').fill('80');
  await rules.getByLabel('CIDR', { exact: true }).fill('0.0.0.0/0');
  await rules.getByRole('button', { name: 'Add rule' }).click();
  await rules.getByTestId('security-group-rule-row').filter({ hasText: 'tcp 80' }).waitFor();
  await sgRow.locator('[data-key=rule-count]', { hasText: '1' }).waitFor();
  await shot(page, '15-security-groups');

  // An instance on the network with that group and a config drive; its page shows the NIC.
  await openScreen(page, 'Instances', 'Instances');
  await page.getByRole('link', { name: 'Create instance' }).click();
  const wizard = page.getByTestId('instance-wizard');
  await wizard.getByLabel('Name', { exact: true }).fill('net-vm');
  await wizard.getByRole('group', { name: 'Networks', exact: true }).getByLabel('app (10.20.0.0/24)').check();
  await wizard.getByRole('group', { name: 'Security groups of eth0 on app' }).getByLabel('web').check();
  await wizard.getByLabel(/Attach a config drive/).check();
  await wizard.getByRole('group', { name: 'Networks', exact: true }).scrollIntoViewIfNeeded();
  await shot(page, '16a-wizard-networks');
  await wizard.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/instances\/(?!new$)[^/]+$/);
  const instanceId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  const nicRow = page.getByTestId('instance-nics').getByTestId('nic-row');
  await nicRow.waitFor();
  const nics = await client.request<{ items: Array<{ ip: string; networkId: string; securityGroupIds: string[] }> }>('GET', `/api/v1/instances/${instanceId}/nics`);
  assert.equal(nics.items.length, 1);
  assert.equal(nics.items[0]?.networkId, net.id);
  assert.match(nics.items[0]?.ip ?? '', /^10\.20\.0\.\d+$/);
  assert.equal(await nicRow.getAttribute('data-ip'), nics.items[0]?.ip);
  assert.match(await nicRow.innerText(), /app[\s\S]*web/);
  assert.equal((await client.get<{ configDrive: boolean }>('instances', instanceId)).configDrive, true);
  await page.locator('[data-testid=instance-details] [data-key=config-drive] dd', { hasText: 'Yes' }).waitFor();
  await shot(page, '16-instance-nics');

  // The network's page: allocate a public IP, forward a port on it, open the firewall, and more.
  await openScreen(page, 'Networks', 'Networks');
  await row.getByRole('link', { name: 'app' }).click();
  await page.getByRole('heading', { level: 1, name: 'Network app' }).waitFor();
  assert.equal(await page.locator('[data-testid=network-details] [data-key=source-nat] dd').innerText(), net.sourceNatIp);
  await page.getByTestId('network-nics').getByRole('link', { name: 'net-vm' }).waitFor();

  const ips = page.getByTestId('public-ips-section');
  await ips.getByRole('button', { name: 'Allocate public IP' }).click();
  await ips.getByTestId('public-ip-allocate').getByRole('button', { name: 'Allocate public IP' }).click();
  const extra = ips.locator('[data-testid=public-ip-row][data-source-nat=false]');
  await extra.waitFor();
  const address = await extra.getAttribute('data-address');
  assert.ok(address);

  const pfs = page.getByTestId('port-forwards-section');
  await pfs.getByRole('button', { name: 'Add port forward' }).click();
  await pfs.getByLabel('Public IP').selectOption({ label: address });
  await pfs.getByLabel('Public ports').fill('8080');
  await pfs.getByLabel('Private ports').fill('80');
  await shot(page, '17a-port-forward-form');
  await pfs.getByRole('button', { name: 'Create', exact: true }).click();
  await pfs.getByTestId('port-forward-row').filter({ hasText: `${address}:8080` }).filter({ hasText: `${nics.items[0]?.ip}:80` }).waitFor();

  const fw = page.getByTestId('firewall-section');
  await fw.getByRole('button', { name: 'Add firewall rule' }).click();
  await fw.getByLabel('Public IP').selectOption({ label: address });
  await fw.getByLabel('Ports').fill('8080');
  await fw.getByLabel('Source CIDRs').fill('198.51.100.0/24, 192.0.2.0/24');
  await fw.getByRole('button', { name: 'Create', exact: true }).click();
  await fw.getByTestId('firewall-rule-row').filter({ hasText: 'tcp 8080' }).waitFor();
  const fwRules = await client.listAll<{ publicIp: string; sourceCidrs: string[] }>('firewall-rules', { networkId: net.id });
  assert.deepEqual(fwRules.map((r) => [r.publicIp, r.sourceCidrs]), [[address, ['198.51.100.0/24', '192.0.2.0/24']]]);

  const egress = page.getByTestId('egress-section');
  await egress.getByRole('button', { name: 'Change the default to deny' }).click();
  await egress.locator('[data-testid=egress-policy][data-policy=deny]').waitFor();
  await egress.getByRole('button', { name: 'Add egress rule' }).click();
  await egress.getByLabel('Ports').fill('443');
  await egress.getByRole('button', { name: 'Create', exact: true }).click();
  await egress.getByTestId('egress-rule-row').filter({ hasText: 'tcp 443' }).waitFor();

  const lbs = page.getByTestId('load-balancers-section');
  await lbs.getByRole('button', { name: 'Add load balancer' }).click();
  await lbs.getByLabel('Name', { exact: true }).fill('web-lb');
  await lbs.getByLabel('Public IP').selectOption({ label: `${net.sourceNatIp} (source NAT)` });
  await lbs.getByLabel('Public port').fill('80');
  await lbs.getByRole('group', { name: 'Members' }).getByLabel(/^net-vm/).check();
  await lbs.getByRole('button', { name: 'Create', exact: true }).click();
  await lbs.getByTestId('load-balancer-row').filter({ hasText: 'web-lb' }).filter({ hasText: 'net-vm' }).waitFor();
  await shot(page, '17-network-detail');

  // Live: a rule added elsewhere appears through the change stream, without a reload.
  await client.create('egress-rules', { networkId: net.id, protocol: 'udp', ports: { from: 53, to: 53 } });
  await egress.getByTestId('egress-rule-row').filter({ hasText: 'udp 53' }).waitFor();

  // Static NAT on another address to the NIC, and off again.
  await ips.getByRole('button', { name: 'Allocate public IP' }).click();
  await ips.getByTestId('public-ip-allocate').getByRole('button', { name: 'Allocate public IP' }).click();
  const allocated = ips.locator('[data-testid=public-ip-row][data-source-nat=false]');
  await allocated.nth(1).waitFor();
  const elasticAddress = (await allocated.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-address')))).find((x) => x !== address);
  assert.ok(elasticAddress);
  const elasticRow = ips.locator(`[data-testid=public-ip-row][data-address="${elasticAddress}"]`);
  await elasticRow.getByRole('button', { name: `Enable static NAT of ${elasticAddress}` }).click();
  await elasticRow.filter({ hasText: `→ net-vm (${nics.items[0]?.ip})` }).waitFor();
  const mapped = (await client.listAll<{ address: string; staticNatNicId: string | null }>('public-ips', { networkId: net.id })).find((p) => p.address === elasticAddress);
  assert.ok(mapped?.staticNatNicId, 'static NAT is on');
  await elasticRow.getByRole('button', { name: `Disable static NAT of ${elasticAddress}` }).click();
  await elasticRow.getByRole('button', { name: `Enable static NAT of ${elasticAddress}` }).waitFor();

  // A refusal of a row action is shown in its section: an address with a port forward stays.
  await ips.locator(`[data-testid=public-ip-row][data-address="${address}"]`).getByRole('button', { name: `Release: ${address}` }).click();
  await ips.getByRole('alert').filter({ hasText: `${address} still has 1 port forwards` }).waitFor();
}
