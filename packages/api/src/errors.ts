/**
 * Stable error codes of the Kumo API. Each has one HTTP status. docs/errors.md lists them all,
 * and a test keeps that page and this table in step. Never rename a code: clients match on it.
 */
export const errorCodes = {
  bad_request: { status: 400, description: 'The request is malformed: a field is missing, of the wrong type, out of bounds, or unknown. `details.field` names it.' },
  unauthenticated: { status: 401, description: 'No valid credentials were sent, or the token or key has expired.' },
  forbidden: { status: 403, description: 'The caller is authenticated but may not do this (for example a non-admin managing hosts).' },
  not_found: { status: 404, description: 'No such resource, or it belongs to another account.' },
  conflict: { status: 409, description: 'The resource changed underneath the request (compare-and-swap lost) or a unique name is taken.' },
  invalid_state: { status: 409, description: 'The action is not allowed in the resource\'s current phase; the message says which phases allow it.' },
  instance_busy: { status: 409, description: 'Another operation is in progress on this instance; one action per instance at a time.' },
  capability_missing: { status: 409, description: 'The host the resource is on cannot do this (`details.capability` names what it lacks, `details.hostId` the host); nothing was asked of the host.' },
  not_cancellable: { status: 409, description: 'The operation has ended already, or its kind of work cannot be undone (only jobs a host can roll back are cancellable: instance save and restore, snapshot creation).' },
  in_use: { status: 409, description: 'The resource is referenced by others (a zone that still has pods; an image, offering or key pair used by instances that are not deleted, which `details.instanceIds` lists; ...) and cannot be deleted.' },
  idempotency_mismatch: { status: 422, description: 'The Idempotency-Key was used before with a different request body.' },
  no_capacity: { status: 409, description: 'Something ran out: no host passes the scheduler\'s filters (`details.filters` says which filter removed how many hosts), or a range is exhausted (addresses, VNIs, VLANs, public IPs, an instance\'s PCI slots for NICs: `details.field` and `details.resource` say which).' },
  no_candidate: { status: 409, description: 'No host can take the instance (migration): `details.rejected` lists every host of the zone with the reason it does not fit (capacity, CPU model, storage, capabilities, state); nothing was changed.' },
  quota_exceeded: { status: 409, description: 'The create would take the account past its quota: `details.resource` names the resource (instances, vcpus, memoryMiB, volumes, volumeGiB, snapshots, publicIps, networks), `details.limit` the limit, `details.used` the current use and `details.requested` what the request adds. Nothing was created.' },
  payload_too_large: { status: 413, description: 'The request body is larger than allowed.' },
  rate_limited: { status: 429, description: 'Too many requests, or too many login attempts for a user or from an address: the `Retry-After` header (and `details.retryAfterSeconds`) says when to try again.' },
  host_unavailable: { status: 503, description: 'The host that must act is not connected.' },
  identity_provider_unavailable: { status: 503, description: 'A login needed a directory (LDAP identity provider) that cannot be reached or refused the service account; `details.identityProvider` names it. Local accounts can still log in.' },
  operation_failed: { status: 500, description: 'An operation ended in error; the operation resource carries the reason.' },
  internal: { status: 500, description: 'An unexpected server error. It is logged with the request id.' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An API error as thrown in the server and in the typed client. */
export class ApiError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'ApiError';
  }
  get status(): number { return errorCodes[this.code].status; }
  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}
