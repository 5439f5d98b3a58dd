import { randomUUID } from 'node:crypto';
import type { ActionTable } from './actions/action-context.ts';
import { addressActions } from './actions/address-actions.ts';
import { imageActions } from './actions/image-actions.ts';
import { instanceActions } from './actions/instance-actions.ts';
import { instanceAttributeActions } from './actions/instance-attribute-actions.ts';
import { keypairActions } from './actions/keypair-actions.ts';
import { regionActions } from './actions/region-actions.ts';
import { securityGroupActions } from './actions/security-group-actions.ts';
import { snapshotActions } from './actions/snapshot-actions.ts';
import { tagActions } from './actions/tag-actions.ts';
import { volumeActions } from './actions/volume-actions.ts';
import { vpcActions } from './actions/vpc-actions.ts';
import type { Ec2Backend } from './ec2-backend.ts';
import { Ec2Error, fromKumoCode } from './ec2-error.ts';
import { kumoCodeOf } from './kumo-error.ts';
import { QueryParams } from './query-params.ts';
import { SigV4Verifier, type SignedRequest } from './sigv4-verifier.ts';
import { ec2ApiVersion, renderError, renderResponse } from './xml-response.ts';

/** Every action this endpoint answers; others answer UnsupportedOperation. */
export const ec2Actions: ActionTable = {
  ...regionActions, ...imageActions, ...instanceActions, ...instanceAttributeActions, ...keypairActions, ...securityGroupActions,
  ...addressActions, ...volumeActions, ...snapshotActions, ...vpcActions, ...tagActions,
};

export interface Ec2Response { status: number; body: string; requestId: string }

export interface Ec2EndpointOptions {
  now(): number;
  /** Unexpected errors (never the request's secrets: only the action and the error). */
  logError(action: string, err: unknown): void;
  clockSkewMs?: number;
}

/**
 * The EC2 Query API over HTTP-agnostic requests: verify the SigV4 signature, read the action and
 * its parameters (form body or query string), check DryRun and read-only keys, run the action and
 * render the XML answer or EC2 error document.
 */
export class Ec2Endpoint {
  private readonly verifier: SigV4Verifier;

  constructor(private readonly backend: Ec2Backend, private readonly opts: Ec2EndpointOptions) {
    this.verifier = new SigV4Verifier({
      now: opts.now, ...(opts.clockSkewMs !== undefined ? { clockSkewMs: opts.clockSkewMs } : {}),
      secretOf: async (id) => (await backend.credential(id))?.secret ?? null,
    });
  }

  async handle(req: SignedRequest): Promise<Ec2Response> {
    const requestId = randomUUID();
    let action = '';
    try {
      const accessKeyId = await this.verifier.verify(req);
      const cred = await this.backend.credential(accessKeyId);
      if (!cred) throw new Ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
      const params = QueryParams.parse(queryString(req) + (req.method === 'POST' && req.body ? `&${req.body}` : ''));
      action = params.required('Action');
      const version = params.required('Version');
      if (version !== ec2ApiVersion) throw new Ec2Error('InvalidParameterValue', `Version ${version}: this endpoint speaks EC2 API version ${ec2ApiVersion}`);
      const spec = Object.hasOwn(ec2Actions, action) ? ec2Actions[action] : undefined;
      if (!spec) throw new Ec2Error('UnsupportedOperation', `The action ${action} is not supported by this endpoint.`);
      if (spec.mutates && cred.caller.readOnly) throw new Ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation: ${action} (the access key is read-only)`, 403);
      if (params.bool('DryRun') === true) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      const requestUrl = `http://${String(req.headers.host ?? 'localhost')}${req.path}`;
      const body = await spec.handler({ caller: cred.caller, params, backend: this.backend, ownerId: cred.caller.accountId, requestUrl });
      return { status: 200, body: renderResponse(action, requestId, body), requestId };
    } catch (e) {
      const err = this.asEc2Error(action, e);
      return { status: err.status, body: renderError(err.code, err.message, requestId), requestId };
    }
  }

  private asEc2Error(action: string, e: unknown): Ec2Error {
    if (e instanceof Ec2Error) return e;
    const code = kumoCodeOf(e);
    if (code !== undefined && code !== 'internal') return fromKumoCode(code, e instanceof Error ? e.message : String(e));
    this.opts.logError(action, e);
    return new Ec2Error('InternalError', 'An internal error has occurred', 500);
  }
}

function queryString(req: SignedRequest): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return q.toString();
}
