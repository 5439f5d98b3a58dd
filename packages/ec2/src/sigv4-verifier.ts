import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { Ec2Error } from './ec2-error.ts';

/** What a request carries that the signature covers. Header names in lower case. */
export interface SignedRequest {
  method: string;
  /** The path without the query string, as sent. */
  path: string;
  /** The decoded query parameters. */
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface SigV4VerifierOptions {
  /** The secret of an access key, or null when there is no such (live) key. */
  secretOf(accessKeyId: string): Promise<string | null>;
  now(): number;
  /** How far the request's date may be from ours (EC2: 5 minutes). */
  clockSkewMs?: number;
}

const authPattern = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const datePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const authFailure = (message: string): Ec2Error => new Ec2Error('AuthFailure', message, 401);

/**
 * AWS Signature Version 4 checked by signing again: the request is rebuilt from the headers it
 * says it signed, signed with the stored secret by AWS's own implementation (@smithy/signature-v4)
 * and the two signatures compared in constant time. Refused: an unknown key, a date outside the
 * skew window, a body whose hash is not the one signed, a signature seen before (a replay).
 */
export class SigV4Verifier {
  private readonly seen = new Map<string, number>();
  private readonly skewMs: number;

  constructor(private readonly opts: SigV4VerifierOptions) {
    this.skewMs = opts.clockSkewMs ?? 5 * 60_000;
  }

  /** The access key id of a correctly signed request; throws an Ec2Error otherwise. */
  async verify(req: SignedRequest): Promise<string> {
    const auth = header(req, 'authorization');
    if (!auth) {
      if (req.query['X-Amz-Signature'] !== undefined) throw new Ec2Error('UnsupportedOperation', 'presigned (query string) signatures are not supported: sign the Authorization header');
      throw new Ec2Error('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
    }
    const m = authPattern.exec(auth);
    if (!m) throw new Ec2Error('IncompleteSignature', 'the Authorization header is not an AWS4-HMAC-SHA256 signature with Credential, SignedHeaders and Signature', 401);
    const [, accessKeyId = '', day = '', region = '', service = '', signedList = '', signature = ''] = m;
    if (service !== 'ec2') throw authFailure(`the credential scope names service ${service}; this endpoint is ec2`);
    const signedNames = signedList.split(';');
    if (!signedNames.includes('host')) throw authFailure('the signature must cover the host header');

    const amzDate = header(req, 'x-amz-date') ?? '';
    const d = datePattern.exec(amzDate);
    if (!d) throw authFailure('sign the request with an X-Amz-Date header (yyyyMMddTHHmmssZ)');
    const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
    if (amzDate.slice(0, 8) !== day) throw authFailure('the credential scope date is not the date of X-Amz-Date');
    const now = this.opts.now();
    if (Math.abs(now - signingDate.getTime()) > this.skewMs) {
      throw new Ec2Error('RequestExpired', `Request has expired: its date ${amzDate} is more than ${this.skewMs / 60_000} minutes from the server's time`);
    }

    const bodyHash = createHash('sha256').update(req.body).digest('hex');
    const claimedHash = header(req, 'x-amz-content-sha256');
    if (claimedHash !== undefined && claimedHash !== bodyHash) throw new Ec2Error('SignatureDoesNotMatch', 'the body does not match its signed hash (X-Amz-Content-Sha256)', 403);

    const secret = await this.opts.secretOf(accessKeyId);
    if (secret === null) throw authFailure('AWS was not able to validate the provided access credentials');

    const headers: Record<string, string> = {};
    for (const name of signedNames) {
      const v = header(req, name);
      if (v === undefined) throw authFailure(`the signed header ${name} is missing`);
      headers[name] = v;
    }
    const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region, service, sha256: Sha256, applyChecksum: false });
    const signed = await signer.sign(new HttpRequest({ method: req.method, protocol: 'http:', hostname: headers.host ?? '', path: req.path, query: req.query, headers, body: req.body }),
      { signingDate, signableHeaders: new Set(signedNames), signingRegion: region, signingService: service });
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
    if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw new Ec2Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.', 403);
    }
    this.refuseReplay(signature, signingDate.getTime() + this.skewMs, now);
    return accessKeyId;
  }

  /** A signature is good once: within the skew window a second use is a replay. */
  private refuseReplay(signature: string, until: number, now: number): void {
    if (this.seen.has(signature)) throw authFailure('this request was sent before (replayed signature); sign a new request');
    if (this.seen.size > 100_000) for (const [s, t] of this.seen) if (t < now) this.seen.delete(s);
    this.seen.set(signature, until);
  }
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
