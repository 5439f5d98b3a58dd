/**
 * An error answered in the EC2 vocabulary: its code (InvalidInstanceID.NotFound, ...) and HTTP
 * status. Handlers throw these; the dispatcher renders them as <Response><Errors>.
 */
export class Ec2Error extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
    this.name = 'Ec2Error';
  }
}

export const invalidParameter = (name: string, why: string): Ec2Error => new Ec2Error('InvalidParameterValue', `${name}: ${why}`);
export const missingParameter = (name: string): Ec2Error => new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);

/**
 * Kumo API error codes (packages/api errors.ts) in EC2's words, for errors the services raise.
 * `notFound` is the resource's own NotFound code (InvalidInstanceID.NotFound ...).
 */
export function fromKumoCode(code: string, message: string, notFound = 'InvalidParameterValue'): Ec2Error {
  switch (code) {
    case 'not_found': return new Ec2Error(notFound, message);
    case 'bad_request': case 'idempotency_mismatch': return new Ec2Error('InvalidParameterValue', message);
    case 'conflict': return new Ec2Error('InvalidParameterCombination', message);
    case 'invalid_state': case 'instance_busy': return new Ec2Error('IncorrectInstanceState', message);
    case 'capability_missing': return new Ec2Error('UnsupportedOperation', message);
    case 'forbidden': return new Ec2Error('UnauthorizedOperation', message, 403);
    case 'unauthenticated': return new Ec2Error('AuthFailure', message, 401);
    case 'quota_exceeded': return new Ec2Error('InstanceLimitExceeded', message);
    case 'no_capacity': case 'no_candidate': return new Ec2Error('InsufficientInstanceCapacity', message, 500);
    case 'host_unavailable': return new Ec2Error('Unavailable', message, 503);
    case 'rate_limited': return new Ec2Error('RequestLimitExceeded', message, 503);
    case 'in_use': return new Ec2Error('DependencyViolation', message);
    default: return new Ec2Error('InternalError', message, 500);
  }
}
