export { Ec2Endpoint, ec2Actions, type Ec2EndpointOptions, type Ec2Response } from './ec2-endpoint.ts';
export type * from './ec2-backend.ts';
export { Ec2Error } from './ec2-error.ts';
export { toEc2Id, fromEc2Id, type Ec2Kind } from './ec2-ids.ts';
export { SigV4Verifier, type SignedRequest } from './sigv4-verifier.ts';
export { ec2ApiVersion, ec2Namespace } from './xml-response.ts';
export { instanceStateCodes, ec2InstanceState } from './instance-state.ts';
