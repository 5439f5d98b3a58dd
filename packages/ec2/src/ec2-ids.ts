import { Ec2Error } from './ec2-error.ts';

/**
 * EC2 ids from Kumo ids: the EC2 prefix, then the Kumo id's unique part (time and randomness,
 * base32). Stable and reversible: the same Kumo resource always has the same EC2 id.
 */
export const ec2Kinds = {
  instance: { ec2: 'i', kumo: 'i', label: 'InstanceID' },
  image: { ec2: 'ami', kumo: 'imgv', label: 'AMIID' },
  volume: { ec2: 'vol', kumo: 'vol', label: 'Volume' },
  snapshot: { ec2: 'snap', kumo: 'snap', label: 'Snapshot' },
  securityGroup: { ec2: 'sg', kumo: 'sg', label: 'GroupId' },
  securityGroupRule: { ec2: 'sgr', kumo: 'sgr', label: 'SecurityGroupRuleId' },
  address: { ec2: 'eipalloc', kumo: 'pip', label: 'AllocationID' },
  association: { ec2: 'eipassoc', kumo: 'pip', label: 'Association' },
  vpc: { ec2: 'vpc', kumo: 'net', label: 'VpcID' },
  subnet: { ec2: 'subnet', kumo: 'net', label: 'SubnetID' },
  keypair: { ec2: 'key', kumo: 'kp', label: 'KeyPair' },
} as const;

export type Ec2Kind = keyof typeof ec2Kinds;

export function toEc2Id(kind: Ec2Kind, kumoId: string): string {
  const k = ec2Kinds[kind];
  return `${k.ec2}-${kumoId.slice(k.kumo.length + 1)}`;
}

/** The Kumo id behind an EC2 id; a malformed one answers `Invalid<Kind>.Malformed`. */
export function fromEc2Id(kind: Ec2Kind, ec2Id: string): string {
  const k = ec2Kinds[kind];
  const rest = ec2Id.startsWith(`${k.ec2}-`) ? ec2Id.slice(k.ec2.length + 1) : '';
  if (!/^[0-9a-z]{20}$/.test(rest)) throw new Ec2Error(`Invalid${k.label}.Malformed`, `Invalid id: "${ec2Id}" (expecting "${k.ec2}-...")`);
  return `${k.kumo}-${rest}`;
}

/** The NotFound code of a kind (InvalidInstanceID.NotFound, InvalidVolume.NotFound, ...). */
export function notFoundCode(kind: Ec2Kind): string {
  return kind === 'keypair' ? 'InvalidKeyPair.NotFound' : `Invalid${ec2Kinds[kind].label}.NotFound`;
}

export function notFound(kind: Ec2Kind, ec2Id: string): Ec2Error {
  return new Ec2Error(notFoundCode(kind), `The ${kind} '${ec2Id}' does not exist`);
}
