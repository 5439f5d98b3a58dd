import type { InstanceView } from '../ec2-backend.ts';
import { toEc2Id } from '../ec2-ids.ts';
import { ec2InstanceState, instanceStateCodes } from '../instance-state.ts';
import { tagSetXml, type TagMap } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';

/** Root disk first, data disks in attach order: /dev/sda1, then /dev/sdf, /dev/sdg, ... */
export function deviceNames(i: Pick<InstanceView, 'volumes'>): Array<{ volumeId: string; deviceName: string; createdAt: string }> {
  const root = i.volumes.filter((v) => v.kind === 'root');
  const data = i.volumes.filter((v) => v.kind === 'data').sort((a, b) => (a.pciSlot ?? 0) - (b.pciSlot ?? 0) || a.id.localeCompare(b.id));
  return [
    ...root.map((v) => ({ volumeId: v.id, deviceName: '/dev/sda1', createdAt: v.createdAt })),
    ...data.map((v, n) => ({ volumeId: v.id, deviceName: `/dev/sd${String.fromCharCode(102 + n)}`, createdAt: v.createdAt })),
  ];
}

export function stateXml(i: Pick<InstanceView, 'phase' | 'task' | 'desired'>): XmlValue {
  const name = ec2InstanceState(i);
  return { code: instanceStateCodes[name], name };
}

/** EC2's InstanceMetadataOptions: tokens required or optional; the endpoint is always on. */
export function metadataOptionsXml(i: Pick<InstanceView, 'metadataHttpTokens'>): XmlValue {
  return { state: 'applied', httpTokens: i.metadataHttpTokens, httpPutResponseHopLimit: 1, httpEndpoint: 'enabled', httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled' };
}

/** One `instancesSet` item, with the fields the AWS CLI and Terraform read back. */
export function instanceXml(i: InstanceView, index: number, tags: TagMap): XmlValue {
  const nic = i.nics[0];
  const state = ec2InstanceState(i);
  const groups = nic?.securityGroups ?? [];
  const subnetId = nic ? toEc2Id('subnet', nic.networkId) : undefined;
  const vpcId = nic ? toEc2Id('vpc', nic.networkId) : undefined;
  return {
    instanceId: toEc2Id('instance', i.id),
    imageId: i.imageVersionId ? toEc2Id('image', i.imageVersionId) : undefined,
    instanceState: stateXml(i),
    privateDnsName: nic ? `ip-${nic.ip.replaceAll('.', '-')}.${i.zoneName}.compute.internal` : '',
    dnsName: nic?.publicIp ? `ec2-${nic.publicIp.replaceAll('.', '-')}.compute.kumo` : '',
    reason: state === 'terminated' ? 'User initiated' : (i.errorReason ?? ''),
    keyName: i.keypairName ?? undefined,
    amiLaunchIndex: index,
    productCodes: itemSet([]),
    instanceType: i.offeringName ?? '',
    launchTime: i.createdAt,
    placement: { availabilityZone: i.zoneName, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId, vpcId,
    privateIpAddress: nic?.ip,
    ipAddress: nic?.publicIp ?? undefined,
    sourceDestCheck: true,
    groupSet: itemSet(groups.map((g) => ({ groupId: toEc2Id('securityGroup', g.id), groupName: g.name }))),
    stateReason: i.errorReason ? { code: 'Server.InternalError', message: i.errorReason } : undefined,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/sda1',
    blockDeviceMapping: itemSet(state === 'terminated' ? [] : deviceNames(i).map((d) => ({
      deviceName: d.deviceName,
      ebs: { volumeId: toEc2Id('volume', d.volumeId), status: 'attached', attachTime: d.createdAt, deleteOnTermination: d.deviceName === '/dev/sda1' },
    }))),
    virtualizationType: 'hvm',
    clientToken: '',
    tagSet: tagSetXml(tags),
    hypervisor: 'xen',
    networkInterfaceSet: itemSet(i.nics.map((n, k) => ({
      networkInterfaceId: `eni-${n.id.slice(4)}`, subnetId: toEc2Id('subnet', n.networkId), vpcId: toEc2Id('vpc', n.networkId),
      description: '', ownerId: i.accountId, status: 'in-use', macAddress: n.mac, privateIpAddress: n.ip, sourceDestCheck: true,
      groupSet: itemSet(n.securityGroups.map((g) => ({ groupId: toEc2Id('securityGroup', g.id), groupName: g.name }))),
      attachment: { attachmentId: `eni-attach-${n.id.slice(4)}`, deviceIndex: k, status: 'attached', attachTime: i.createdAt, deleteOnTermination: true },
      association: n.publicIp ? { publicIp: n.publicIp, publicDnsName: '', ipOwnerId: i.accountId } : undefined,
      privateIpAddressesSet: itemSet([{ privateIpAddress: n.ip, primary: true }]),
    }))),
    ebsOptimized: false,
    enaSupport: true,
    cpuOptions: { coreCount: i.vcpus, threadsPerCore: 1 },
    metadataOptions: metadataOptionsXml(i),
  };
}
