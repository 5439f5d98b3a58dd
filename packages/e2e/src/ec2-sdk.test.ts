import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  EC2Client, EC2ServiceException, DescribeRegionsCommand, DescribeAvailabilityZonesCommand, DescribeInstanceTypesCommand, DescribeImagesCommand,
  CreateKeyPairCommand, ImportKeyPairCommand, DescribeKeyPairsCommand, DeleteKeyPairCommand,
  CreateSecurityGroupCommand, AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand, DeleteSecurityGroupCommand,
  RunInstancesCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, StopInstancesCommand, StartInstancesCommand, TerminateInstancesCommand, RebootInstancesCommand,
  CreateTagsCommand, DeleteTagsCommand, DescribeTagsCommand,
  AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DisassociateAddressCommand, ReleaseAddressCommand,
  CreateVolumeCommand, AttachVolumeCommand, DescribeVolumesCommand, DetachVolumeCommand, DeleteVolumeCommand,
  CreateSnapshotCommand, DescribeSnapshotsCommand, DeleteSnapshotCommand, DescribeVpcsCommand, DescribeSubnetsCommand,
  waitUntilInstanceRunning, waitUntilInstanceStopped, waitUntilInstanceTerminated, waitUntilVolumeAvailable, waitUntilVolumeInUse, waitUntilSnapshotCompleted,
  paginateDescribeInstances, CreateImageCommand, DeregisterImageCommand, waitUntilImageAvailable,
  ModifyInstanceAttributeCommand, DescribeInstanceAttributeCommand, ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import type { _InstanceType } from '@aws-sdk/client-ec2';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { Ec2CredentialSecret } from '@kumo/api';
import { KumoClient } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

/** The code of an EC2 error answer, as the SDK reports it. */
async function ec2Error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EC2ServiceException) return e.name;
    throw e;
  }
  throw new Error('expected an EC2 error answer');
}

const waitFor = { maxWaitTime: 60, minDelay: 1, maxDelay: 1 };
/** Kumo's offering names are instance types; the SDK's type lists only AWS's own. */
const small = 'small' as _InstanceType;

/**
 * The EC2-compatible API driven by AWS's own SDK (@aws-sdk/client-ec2) as an ordinary client
 * against a cloud of simulated hosts: the calls, waiters and paginators the AWS CLI and Terraform use.
 */
for (const dialect of ['sqlite', 'postgres'] as const) describe(`EC2 API with the AWS SDK (${dialect})`, () => {
  let cloud: TestCloud;
  let ec2: EC2Client;
  let keys: Ec2CredentialSecret;
  let alice: KumoClient;
  let imageId: string;

  before(async () => {
    // One host: volumes live in host-local pools, attachable to instances of the same host only.
    cloud = await startTestCloud({ hosts: 1, cpus: 16, dialect });
    const c = cloud.client; const zoneId = cloud.defaults.zoneId;
    await c.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5100 } });
    await c.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
    await c.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    await c.create('accounts', { name: 'alice', username: 'alice', password: 'alice-password-1', role: 'user' });
    alice = new KumoClient({ baseUrl: cloud.url });
    alice.setToken((await alice.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'alice', password: 'alice-password-1' } })).token);
    await alice.create('networks', { name: 'default', zoneId, cidr: '10.7.0.0/24' });
    keys = await alice.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: 'sdk' } });
    ec2 = new EC2Client({ endpoint: keys.endpoint, region: keys.region, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }, maxAttempts: 1 });
    const images = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['tiny/*'] }] }));
    imageId = images.Images?.[0]?.ImageId ?? '';
  });
  after(async () => { ec2?.destroy(); await cloud.close(); });

  test('credentials: the key is listed without its secret and its endpoint is this server', async () => {
    assert.match(keys.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(keys.secretAccessKey.length, 40);
    assert.equal(keys.endpoint, `${cloud.url}/ec2/`);
    const listed = await alice.request<{ items: Array<Record<string, unknown>> }>('GET', '/api/v1/ec2/credentials');
    assert.deepEqual(listed.items.map((k) => k.accessKeyId), [keys.accessKeyId]);
    assert.equal(JSON.stringify(listed).includes(keys.secretAccessKey), false, 'the secret is never listed');
    const row = await cloud.server.ctx.repos.ec2Credentials.byAccessKeyId(keys.accessKeyId);
    assert.ok(row && !row.secretCiphertext.includes(keys.secretAccessKey), 'the secret is stored sealed');
  });

  test('regions, zones, instance types and images', async () => {
    const regions = await ec2.send(new DescribeRegionsCommand({}));
    assert.deepEqual(regions.Regions?.map((r) => r.RegionName), ['kumo-1']);
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(zones.AvailabilityZones?.map((z) => [z.ZoneName, z.State]), [['zone1', 'available']]);
    const types = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [small] }));
    assert.deepEqual(types.InstanceTypes?.map((t) => [t.InstanceType, t.VCpuInfo?.DefaultVCpus, t.MemoryInfo?.SizeInMiB]), [['small', 1, 256]]);
    assert.match(imageId, /^ami-[0-9a-z]{20}$/);
    const byId = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    assert.equal(byId.Images?.[0]?.State, 'available');
    assert.equal(await ec2Error(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-00000000000000000000'] }))), 'InvalidAMIID.NotFound');
  });

  test('key pairs: create returns the private key, import, describe by filter, delete', async () => {
    const made = await ec2.send(new CreateKeyPairCommand({ KeyName: 'made', TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'team', Value: 'blue' }] }] }));
    assert.match(made.KeyMaterial ?? '', /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(made.KeyFingerprint ?? '', /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk1dCsnPYuYcnmGmdCw+0SJSaqLnTSNz+g9sgBpGkfH imported';
    await ec2.send(new ImportKeyPairCommand({ KeyName: 'imported', PublicKeyMaterial: Buffer.from(pub) }));
    const all = await ec2.send(new DescribeKeyPairsCommand({}));
    assert.deepEqual(all.KeyPairs?.map((k) => k.KeyName).sort(), ['imported', 'made']);
    const blue = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'tag:team', Values: ['blue'] }] }));
    assert.deepEqual(blue.KeyPairs?.map((k) => k.KeyName), ['made']);
    assert.equal(await ec2Error(ec2.send(new ImportKeyPairCommand({ KeyName: 'made', PublicKeyMaterial: Buffer.from(pub) }))), 'InvalidKeyPair.Duplicate');
    await ec2.send(new DeleteKeyPairCommand({ KeyName: 'imported' }));
    assert.equal(await ec2Error(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['imported'] }))), 'InvalidKeyPair.NotFound');
  });

  test('security groups: create, authorize, describe, duplicate refused, revoke, delete', async () => {
    const g = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }));
    assert.match(g.GroupId ?? '', /^sg-/);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] },
      { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    ] }));
    const d = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web'] }] }));
    const perms = d.SecurityGroups?.[0]?.IpPermissions ?? [];
    const tcp = perms.find((p) => p.IpProtocol === 'tcp');
    assert.deepEqual([tcp?.FromPort, tcp?.ToPort, tcp?.IpRanges?.map((r) => r.CidrIp).sort()], [80, 80, ['0.0.0.0/0', '10.0.0.0/8']]);
    assert.ok(perms.some((p) => p.IpProtocol === 'icmp'));
    assert.equal(await ec2Error(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }))), 'InvalidPermission.Duplicate');
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }));
    const after = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [g.GroupId!] }));
    assert.deepEqual(after.SecurityGroups?.[0]?.IpPermissions?.find((p) => p.IpProtocol === 'tcp')?.IpRanges?.map((r) => r.CidrIp), ['0.0.0.0/0']);
    const temp = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'temp', Description: 'gone soon' }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: temp.GroupId }));
    assert.equal(await ec2Error(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [temp.GroupId!] }))), 'InvalidGroup.NotFound');
  });

  test('RunInstances, waiters, filters, pagination, tags, stop/start/reboot/terminate', async () => {
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'fleet', Description: 'fleet' }));
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: imageId, InstanceType: small, MinCount: 3, MaxCount: 7, KeyName: 'made', SecurityGroupIds: [sg.GroupId!],
      UserData: Buffer.from('#cloud-config\n').toString('base64'),
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'fleet' }, { Key: 'env', Value: 'test' }] }],
    }));
    const ids = run.Instances?.map((i) => i.InstanceId!) ?? [];
    assert.equal(ids.length, 7);
    assert.ok(run.Instances?.every((i) => i.State?.Name === 'pending' && i.State.Code === 0));
    await waitUntilInstanceRunning({ client: ec2, ...waitFor }, { InstanceIds: ids });

    const running = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['fleet'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    const inst = running.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    assert.deepEqual(inst.map((i) => i.InstanceId).sort(), [...ids].sort());
    const one = inst[0]!;
    assert.equal(one.State?.Code, 16);
    assert.equal(one.InstanceType, 'small');
    assert.equal(one.KeyName, 'made');
    assert.equal(one.ImageId, imageId);
    assert.equal(one.Placement?.AvailabilityZone, 'zone1');
    assert.match(one.PrivateIpAddress ?? '', /^10\.7\.0\./);
    assert.match(one.SubnetId ?? '', /^subnet-/);
    assert.deepEqual(one.SecurityGroups?.map((g) => g.GroupId), [sg.GroupId]);
    assert.equal(one.BlockDeviceMappings?.[0]?.DeviceName, '/dev/sda1');
    assert.deepEqual(one.Tags?.map((t) => `${t.Key}=${t.Value}`).sort(), ['Name=fleet', 'env=test']);

    // Pages of 5 with the SDK's paginator: every instance once.
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
      pages++;
      seen.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!));
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen.sort(), [...ids].sort());

    await ec2.send(new CreateTagsCommand({ Resources: [ids[0]!], Tags: [{ Key: 'role', Value: 'db' }] }));
    const dbs = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:role', Values: ['d*'] }] }));
    assert.deepEqual(dbs.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId), [ids[0]]);
    const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [ids[0]!] }] }));
    assert.deepEqual(tags.Tags?.map((t) => `${t.Key}=${t.Value}`).sort(), ['Name=fleet', 'env=test', 'role=db']);
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[0]!], Tags: [{ Key: 'role' }] }));
    const afterDelete = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['role'] }] }));
    assert.deepEqual(afterDelete.Tags, []);

    const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [ids[0]!] }));
    assert.equal(status.InstanceStatuses?.[0]?.InstanceState?.Name, 'running');

    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [ids[0]!] }));
    assert.deepEqual([stop.StoppingInstances?.[0]?.PreviousState?.Name, stop.StoppingInstances?.[0]?.CurrentState?.Name], ['running', 'stopping']);
    await waitUntilInstanceStopped({ client: ec2, ...waitFor }, { InstanceIds: [ids[0]!] });
    const again = await ec2.send(new StopInstancesCommand({ InstanceIds: [ids[0]!] }));
    assert.equal(again.StoppingInstances?.[0]?.CurrentState?.Name, 'stopped', 'stopping a stopped instance changes nothing');

    // Resize (ModifyInstanceAttribute InstanceType): refused while running, past the quota and for unknown types; done when stopped.
    const typeOf = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[1]!, InstanceType: { Value: 'medium' } }))), 'IncorrectInstanceState');
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, InstanceType: { Value: 'no-such-type' } }))), 'InvalidParameterValue');
    const aliceId = (await cloud.client.list<{ id: string }>('accounts', { name: 'alice' })).items[0]!.id;
    await cloud.client.request('PUT', `/api/v1/accounts/${aliceId}/quota`, { body: { vcpus: 7 } });
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, InstanceType: { Value: 'medium' } }))), 'InstanceLimitExceeded');
    await cloud.client.request('PUT', `/api/v1/accounts/${aliceId}/quota`, { body: { vcpus: null } });
    assert.equal((await typeOf(ids[0]!))?.InstanceType, 'small', 'a refused resize changes nothing');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, InstanceType: { Value: 'medium' } }));
    assert.deepEqual([(await typeOf(ids[0]!))?.InstanceType, (await typeOf(ids[0]!))?.CpuOptions?.CoreCount], ['medium', 2]);
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: ids[0]!, Attribute: 'instanceType' }));
    assert.equal(attr.InstanceType?.Value, 'medium');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, DisableApiTermination: { Value: false } }));
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, DisableApiTermination: { Value: true } }))), 'UnsupportedOperation');
    const viaRest = await alice.request<{ offeringId: string; vcpus: number }>('POST', `/api/v1/instances/${ids[0]!}/resize`, { body: { offeringId: cloud.defaults.offeringIds.small } });
    assert.deepEqual([viaRest.offeringId, viaRest.vcpus], [cloud.defaults.offeringIds.small, 1], 'the REST route resizes too');
    const ami = await ec2.send(new CreateImageCommand({ InstanceId: ids[0]!, Name: 'fleet-image' }));
    assert.match(ami.ImageId ?? '', /^ami-/);
    await waitUntilImageAvailable({ client: ec2, ...waitFor }, { ImageIds: [ami.ImageId!] });
    const captured = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    assert.deepEqual(captured.Images?.map((i) => [i.ImageId, i.Name, i.State]), [[ami.ImageId, 'fleet-image/1', 'available']]);
    await ec2.send(new DeregisterImageCommand({ ImageId: ami.ImageId }));
    assert.equal(await ec2Error(ec2.send(new DescribeImagesCommand({ ImageIds: [ami.ImageId!] }))), 'InvalidAMIID.NotFound');
    await ec2.send(new StartInstancesCommand({ InstanceIds: [ids[0]!] }));
    await waitUntilInstanceRunning({ client: ec2, ...waitFor }, { InstanceIds: [ids[0]!] });
    await ec2.send(new RebootInstancesCommand({ InstanceIds: [ids[0]!] }));

    const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids.slice(3) }));
    assert.ok(term.TerminatingInstances?.every((t) => t.CurrentState?.Name === 'shutting-down'));
    await waitUntilInstanceTerminated({ client: ec2, ...waitFor }, { InstanceIds: ids.slice(3) });
    const gone = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[6]!] }));
    assert.equal(gone.Reservations?.[0]?.Instances?.[0]?.State?.Code, 48, 'terminated instances stay visible for a while');
    const stillTerm = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[6]!] }));
    assert.equal(stillTerm.TerminatingInstances?.[0]?.CurrentState?.Name, 'terminated');
  });

  test('Elastic IPs, volumes and snapshots', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: small, MinCount: 1, MaxCount: 1, MetadataOptions: { HttpTokens: 'required' } }));
    const id = run.Instances![0]!.InstanceId!;
    await waitUntilInstanceRunning({ client: ec2, ...waitFor }, { InstanceIds: [id] });

    // IMDSv2: tokens required at launch, then optional again; the REST API shows the same setting.
    const tokensOf = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.MetadataOptions?.HttpTokens;
    assert.equal(await tokensOf(), 'required');
    assert.equal((await alice.request<{ metadataHttpTokens: string }>('GET', `/api/v1/instances/${id}`)).metadataHttpTokens, 'required');
    const changed = await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'optional' }));
    assert.equal(changed.InstanceMetadataOptions?.HttpTokens, 'optional');
    assert.equal(await tokensOf(), 'optional');
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'sometimes' as 'optional' }))), 'InvalidParameterValue');
    assert.equal(await ec2Error(ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpEndpoint: 'disabled' }))), 'UnsupportedOperation');

    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    assert.match(eip.AllocationId ?? '', /^eipalloc-/);
    assert.match(eip.PublicIp ?? '', /^203\.0\.113\./);
    const assoc = await ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: id }));
    const described = await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [id] }] }));
    assert.deepEqual(described.Addresses?.map((a) => [a.PublicIp, a.AssociationId]), [[eip.PublicIp, assoc.AssociationId]]);
    const withIp = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    assert.equal(withIp.Reservations?.[0]?.Instances?.[0]?.PublicIpAddress, eip.PublicIp);
    await ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId }));
    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
    assert.equal(await ec2Error(ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))), 'InvalidAllocationID.NotFound');

    const vol = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'zone1', Size: 2, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'data', Value: 'yes' }] }] }));
    assert.match(vol.VolumeId ?? '', /^vol-/);
    await waitUntilVolumeAvailable({ client: ec2, ...waitFor }, { VolumeIds: [vol.VolumeId!] });
    const att = await ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: id, Device: '/dev/sdf' }));
    assert.equal(att.State, 'attaching');
    await waitUntilVolumeInUse({ client: ec2, ...waitFor }, { VolumeIds: [vol.VolumeId!] });
    const inUse = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id] }, { Name: 'tag:data', Values: ['yes'] }] }));
    assert.deepEqual(inUse.Volumes?.map((v) => [v.VolumeId, v.State, v.Attachments?.[0]?.Device]), [[vol.VolumeId, 'in-use', '/dev/sdf']]);

    const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: vol.VolumeId, Description: 'before' }));
    assert.match(snap.SnapshotId ?? '', /^snap-/);
    await waitUntilSnapshotCompleted({ client: ec2, ...waitFor }, { SnapshotIds: [snap.SnapshotId!] });
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'volume-id', Values: [vol.VolumeId!] }] }));
    assert.deepEqual(snaps.Snapshots?.map((s) => [s.SnapshotId, s.State, s.VolumeSize]), [[snap.SnapshotId, 'completed', 2]]);

    await ec2.send(new DetachVolumeCommand({ VolumeId: vol.VolumeId }));
    await waitUntilVolumeAvailable({ client: ec2, ...waitFor }, { VolumeIds: [vol.VolumeId!] });
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snap.SnapshotId }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
    await eventually(async () => (await ec2Error(ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol.VolumeId!] })))) === 'InvalidVolume.NotFound', 'the volume is gone');
    assert.equal(await ec2Error(ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: id, Device: '/dev/sdg' }))), 'InvalidVolume.NotFound');
  });

  test('another account\'s key sees and changes none of these resources', async () => {
    await cloud.client.create('accounts', { name: 'bob', username: 'bob', password: 'bob-password-1', role: 'user' });
    const bob = new KumoClient({ baseUrl: cloud.url });
    bob.setToken((await bob.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'bob', password: 'bob-password-1' } })).token);
    const bk = await bob.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: 'bob' } });
    const bobEc2 = new EC2Client({ endpoint: bk.endpoint, region: bk.region, credentials: { accessKeyId: bk.accessKeyId, secretAccessKey: bk.secretAccessKey }, maxAttempts: 1 });
    try {
      const mine = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      const aliceId = mine[0]!.InstanceId!;
      assert.deepEqual((await bobEc2.send(new DescribeInstancesCommand({}))).Reservations, []);
      assert.equal(await ec2Error(bobEc2.send(new DescribeInstancesCommand({ InstanceIds: [aliceId] }))), 'InvalidInstanceID.NotFound');
      assert.equal(await ec2Error(bobEc2.send(new TerminateInstancesCommand({ InstanceIds: [aliceId] }))), 'InvalidInstanceID.NotFound');
      assert.notEqual(await ec2Error(bobEc2.send(new CreateTagsCommand({ Resources: [aliceId], Tags: [{ Key: 'owned', Value: 'bob' }] }))), 'ok');
      assert.deepEqual((await bobEc2.send(new DescribeTagsCommand({}))).Tags, []);
      assert.deepEqual((await bobEc2.send(new DescribeKeyPairsCommand({}))).KeyPairs, []);
      assert.equal((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['owned'] }] }))).Tags?.length, 0, 'alice\'s instance was not tagged');
      const alicesKeys = await alice.request<{ items: Array<{ accessKeyId: string }> }>('GET', '/api/v1/ec2/credentials');
      assert.equal(alicesKeys.items.some((k) => k.accessKeyId === bk.accessKeyId), false, 'keys are listed per account');
    } finally { bobEc2.destroy(); }
  });

  test('VPCs and subnets are networks', async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    assert.deepEqual(vpcs.Vpcs?.map((v) => [v.CidrBlock, v.IsDefault]), [['10.7.0.0/24', true]]);
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs.Vpcs![0]!.VpcId!] }] }));
    assert.deepEqual(subnets.Subnets?.map((s) => [s.CidrBlock, s.AvailabilityZone]), [['10.7.0.0/24', 'zone1']]);
  });

  test('error codes: bad ids, unknown actions, DryRun, bad signatures, replays, clock skew, revoked keys', async () => {
    assert.equal(await ec2Error(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000000000'] }))), 'InvalidInstanceID.NotFound');
    assert.equal(await ec2Error(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-nope'] }))), 'InvalidInstanceID.Malformed');
    assert.equal(await ec2Error(ec2.send(new StopInstancesCommand({ InstanceIds: ['i-00000000000000000000'] }))), 'InvalidInstanceID.NotFound');
    assert.equal(await ec2Error(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }))), 'InvalidParameterValue');
    assert.equal(await ec2Error(ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, DryRun: true }))), 'DryRunOperation');
    assert.equal((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['dry'] }] }))).Reservations?.length, 0, 'DryRun made nothing');

    const wrong = new EC2Client({ endpoint: keys.endpoint, region: keys.region, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: `${keys.secretAccessKey.slice(1)}x` }, maxAttempts: 1 });
    assert.equal(await ec2Error(wrong.send(new DescribeRegionsCommand({}))), 'SignatureDoesNotMatch');
    wrong.destroy();
    const unknown = new EC2Client({ endpoint: keys.endpoint, region: keys.region, credentials: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: keys.secretAccessKey }, maxAttempts: 1 });
    assert.equal(await ec2Error(unknown.send(new DescribeRegionsCommand({}))), 'AuthFailure');
    unknown.destroy();

    // Raw requests signed by AWS's signer: an unsupported action, a replay, a tampered body, a stale date.
    const signer = new SignatureV4({ credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }, region: keys.region, service: 'ec2', sha256: Sha256 });
    const url = new URL(keys.endpoint);
    const signed = async (body: string, date = new Date()) => signer.sign(new HttpRequest({
      method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    }), { signingDate: date });
    const send = async (req: { headers: Record<string, string>; body?: unknown }, body = req.body as string) => {
      const res = await fetch(keys.endpoint, { method: 'POST', headers: req.headers, body });
      return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1] ?? 'ok' };
    };
    assert.deepEqual(await send(await signed('Action=AcceptVpcPeeringConnection&Version=2016-11-15')), { status: 400, code: 'UnsupportedOperation' });
    const once = await signed('Action=DescribeRegions&Version=2016-11-15');
    assert.deepEqual(await send(once), { status: 200, code: 'ok' });
    assert.deepEqual(await send(once), { status: 401, code: 'AuthFailure' }, 'a replayed request is refused');
    assert.deepEqual(await send(await signed('Action=DescribeRegions&Version=2016-11-15'), 'Action=DescribeVpcs&Version=2016-11-15'), { status: 403, code: 'SignatureDoesNotMatch' }, 'a tampered body is refused');
    assert.deepEqual(await send(await signed('Action=DescribeRegions&Version=2016-11-15', new Date(Date.now() - 10 * 60_000))), { status: 400, code: 'RequestExpired' });

    const temp = await alice.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: 'temp' } });
    const tempClient = new EC2Client({ endpoint: temp.endpoint, region: temp.region, credentials: { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }, maxAttempts: 1 });
    await tempClient.send(new DescribeRegionsCommand({}));
    await alice.request('DELETE', `/api/v1/ec2/credentials/${temp.accessKeyId}`);
    assert.equal(await ec2Error(tempClient.send(new DescribeRegionsCommand({}))), 'AuthFailure', 'a revoked key stops working at once');
    tempClient.destroy();
  });
});
