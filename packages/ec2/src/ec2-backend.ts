/**
 * What the EC2 facade needs from the platform, in Kumo's vocabulary (Kumo ids, phases, offerings).
 * The server implements it over its services (packages/server/src/ec2/); this package maps it to
 * EC2's words and never sees a database or a route. Errors the backend raises carry Kumo API error
 * codes (`code` property: not_found, invalid_state, ...) and are answered in EC2 codes.
 */

/** Who is calling: the owner of the access key that signed the request. */
export interface Ec2Caller { readonly accountId: string; readonly readOnly: boolean }

export interface Page<T> { items: T[]; nextCursor: string | null }

export interface ZoneView { id: string; name: string }
export interface InstanceTypeView { name: string; vcpus: number; memoryMiB: number; rootDiskGiB: number }
export interface ImageView {
  versionId: string; imageId: string; name: string; version: string; description: string; ownerAccountId: string;
  public: boolean; state: 'uploading' | 'ready' | 'failed'; osType: string; minDiskGiB: number; createdAt: string;
}
export interface InstanceView {
  id: string; accountId: string; name: string; zoneName: string; phase: string; desired: string; task: string | null;
  offeringName: string | null; imageVersionId: string | null; keypairName: string | null; vcpus: number; memoryMiB: number;
  createdAt: string; deletedAt: string | null; errorReason: string | null;
  /** IMDSv2 session tokens: 'required', or 'optional' (IMDSv1 too). */
  metadataHttpTokens: 'required' | 'optional';
  nics: Array<{ id: string; networkId: string; ip: string; mac: string; publicIp: string | null; publicIpId: string | null; securityGroups: Array<{ id: string; name: string }> }>;
  volumes: Array<{ id: string; kind: 'root' | 'data'; pciSlot: number | null; createdAt: string }>;
}
export interface KeypairView { id: string; name: string; fingerprint: string; publicKey: string; createdAt: string }
export interface SecurityGroupRuleView {
  id: string; direction: 'ingress' | 'egress'; protocol: string; portStart: number | null; portEnd: number | null;
  icmpType: number | null; icmpCode: number | null; cidr: string | null; remoteGroupId: string | null;
}
export interface SecurityGroupView { id: string; accountId: string; name: string; description: string; rules: SecurityGroupRuleView[] }
export interface SecurityGroupRuleSpec {
  direction: 'ingress' | 'egress'; protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  portStart?: number; portEnd?: number; icmpType?: number; icmpCode?: number; cidr?: string; remoteGroupId?: string;
}
export interface AddressView { id: string; accountId: string; address: string; networkId: string | null; instanceId: string | null; nicId: string | null; privateIp: string | null }
export interface VolumeView {
  id: string; accountId: string; name: string; zoneName: string; sizeGiB: number; kind: 'root' | 'data'; phase: string; task: string | null;
  instanceId: string | null; pciSlot: number | null; sourceSnapshotId: string | null; createdAt: string; updatedAt: string | null;
}
export interface SnapshotView {
  id: string; accountId: string; volumeId: string; name: string; sizeGiB: number; phase: string; task: string | null; createdAt: string; errorReason: string | null;
}
export interface NetworkView { id: string; accountId: string; name: string; zoneName: string; cidr: string; gateway: string; kind: 'shared' | 'isolated'; isDefault: boolean; freeAddresses: number }
export interface TagView { resourceId: string; resourceType: string; key: string; value: string }

export interface RunSpec {
  count: number; namePrefix: string; imageVersionId: string; offeringName: string; zoneName: string | undefined;
  keypairName: string | undefined; userData: string | undefined; securityGroupIds: string[]; networkId: string | undefined;
  rootDiskGiB: number | undefined; start: boolean;
  /** MetadataOptions.HttpTokens; undefined: the default (optional). */
  metadataHttpTokens?: 'required' | 'optional' | undefined;
}

export interface Ec2Backend<C extends Ec2Caller = Ec2Caller> {
  /** The caller behind an access key and its secret; null for an unknown or revoked key. */
  credential(accessKeyId: string): Promise<{ secret: string; caller: C } | null>;
  /** The region name this cloud answers as and its public endpoint URL ('' : the URL requests arrive at). */
  region(): { name: string; endpoint: string };
  zones(): Promise<ZoneView[]>;
  instanceTypes(): Promise<InstanceTypeView[]>;
  images(c: C): Promise<ImageView[]>;
  /** Capture an instance's root disk into a new version of a new image; the version id. */
  createImage(c: C, instanceId: string, name: string, description: string): Promise<string>;
  deregisterImage(c: C, versionId: string): Promise<void>;

  /** Create up to spec.count instances; the ids made, and the error that stopped it short (if any). */
  runInstances(c: C, spec: RunSpec): Promise<{ ids: string[]; error: unknown }>;
  /** Instances in id order after `cursor`, at most `limit`; `ids` restricts; terminated ones recently deleted included. */
  instances(c: C, q: { cursor: string | null; limit: number; ids?: string[] }): Promise<Page<InstanceView>>;
  instanceAction(c: C, id: string, action: 'start' | 'stop' | 'reboot' | 'delete', force: boolean): Promise<void>;
  consoleOutput(c: C, id: string): Promise<string>;
  /** Another offering (by name) for a stopped instance: quota and host capacity are checked. */
  resizeInstance(c: C, id: string, offeringName: string): Promise<void>;
  /** Whether the instance's metadata service requires IMDSv2 session tokens. */
  setMetadataHttpTokens(c: C, id: string, httpTokens: 'required' | 'optional'): Promise<void>;

  keypairs(c: C): Promise<KeypairView[]>;
  importKeypair(c: C, name: string, publicKey: string): Promise<KeypairView>;
  deleteKeypair(c: C, id: string): Promise<void>;

  securityGroups(c: C): Promise<SecurityGroupView[]>;
  createSecurityGroup(c: C, name: string, description: string): Promise<string>;
  deleteSecurityGroup(c: C, id: string): Promise<void>;
  addSecurityGroupRule(c: C, groupId: string, rule: SecurityGroupRuleSpec): Promise<string>;
  deleteSecurityGroupRule(c: C, groupId: string, ruleId: string): Promise<void>;

  addresses(c: C): Promise<AddressView[]>;
  allocateAddress(c: C, networkId: string | undefined): Promise<AddressView>;
  releaseAddress(c: C, id: string): Promise<void>;
  associateAddress(c: C, id: string, instanceId: string): Promise<void>;
  disassociateAddress(c: C, id: string): Promise<void>;

  volumes(c: C): Promise<VolumeView[]>;
  createVolume(c: C, b: { name: string; zoneName: string | undefined; sizeGiB: number | undefined; snapshotId: string | undefined }): Promise<string>;
  attachVolume(c: C, id: string, instanceId: string): Promise<void>;
  detachVolume(c: C, id: string): Promise<void>;
  deleteVolume(c: C, id: string): Promise<void>;
  resizeVolume(c: C, id: string, sizeGiB: number): Promise<void>;

  snapshots(c: C): Promise<SnapshotView[]>;
  createSnapshot(c: C, volumeId: string, name: string): Promise<string>;
  deleteSnapshot(c: C, id: string): Promise<void>;

  networks(c: C): Promise<NetworkView[]>;
  createNetwork(c: C, b: { name: string; cidr: string; zoneName: string | undefined }): Promise<string>;
  deleteNetwork(c: C, id: string): Promise<void>;

  /** Tags of these resources (all the caller's when ids is undefined). */
  tags(c: C, resourceIds?: readonly string[]): Promise<TagView[]>;
  /** Set tags on resources the caller owns (checked by the backend). */
  setTags(c: C, resources: Array<{ id: string; type: string }>, tags: Array<{ key: string; value: string }>): Promise<void>;
  /** Remove tags; a value given removes the tag only when it has that value. */
  deleteTags(c: C, resourceIds: readonly string[], tags: Array<{ key: string; value: string | undefined }>): Promise<void>;
}
