import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { Ec2Error } from './ec2-error.ts';
import { SigV4Verifier, type SignedRequest } from './sigv4-verifier.ts';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const start = Date.UTC(2026, 11, 7, 12, 0, 0);

async function sign(body: string, date: Date, secretAccessKey = secret, method = 'POST', query: Record<string, string> = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey }, region: 'kumo-1', service: 'ec2', sha256: Sha256 });
  const req = await signer.sign(new HttpRequest({ method, protocol: 'http:', hostname: 'cloud.example', path: '/ec2/', query, headers: { host: 'cloud.example:8080', 'content-type': 'application/x-www-form-urlencoded' }, body }), { signingDate: date });
  return { method, path: '/ec2/', query, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])), body };
}

function verifier(now: { ms: number }) {
  return new SigV4Verifier({ now: () => now.ms, secretOf: async (id) => (id === 'AKIDEXAMPLE' ? secret : null) });
}

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof Ec2Error) return `${e.status} ${e.code}`; throw e; }
  return 'ok';
}

test('a request signed by AWS\'s signer verifies; its access key id is returned', async () => {
  const now = { ms: start };
  assert.equal(await verifier(now).verify(await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start))), 'AKIDEXAMPLE');
});

test('GET with the parameters in the query string verifies', async () => {
  const now = { ms: start };
  assert.equal(await verifier(now).verify(await sign('', new Date(start), secret, 'GET', { Action: 'DescribeRegions', Version: '2016-11-15', 'Filter.1.Name': 'a b/c' })), 'AKIDEXAMPLE');
});

test('a wrong secret, a tampered body, header or query are refused with SignatureDoesNotMatch', async () => {
  const now = { ms: start };
  const v = verifier(now);
  assert.equal(await code(v.verify(await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start), 'another-secret'))), '403 SignatureDoesNotMatch');
  const body = await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start));
  assert.equal(await code(v.verify({ ...body, body: 'Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-x' })), '403 SignatureDoesNotMatch');
  const host = await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start));
  assert.equal(await code(v.verify({ ...host, headers: { ...host.headers, host: 'evil.example' } })), '403 SignatureDoesNotMatch');
  const q = await sign('', new Date(start), secret, 'GET', { Action: 'DescribeRegions', Version: '2016-11-15' });
  assert.equal(await code(v.verify({ ...q, query: { ...q.query, Action: 'DescribeVpcs' } })), '403 SignatureDoesNotMatch');
});

test('the clock-skew window is 5 minutes either way (the injected clock)', async () => {
  const now = { ms: start };
  const v = verifier(now);
  const req = await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start));
  now.ms = start + 5 * 60_000 + 1000;
  assert.equal(await code(v.verify(req)), '400 RequestExpired');
  now.ms = start - 5 * 60_000 - 1000;
  assert.equal(await code(v.verify(req)), '400 RequestExpired');
  now.ms = start + 4 * 60_000;
  assert.equal(await code(v.verify(req)), 'ok');
});

test('a signature is accepted once: the same request again is a replay', async () => {
  const now = { ms: start };
  const v = verifier(now);
  const req = await sign('Action=RunInstances&Version=2016-11-15&ImageId=ami-x&MinCount=1&MaxCount=1', new Date(start));
  assert.equal(await code(v.verify(req)), 'ok');
  assert.equal(await code(v.verify(req)), '401 AuthFailure');
});

test('unknown keys, missing or malformed Authorization, unsigned host are refused', async () => {
  const now = { ms: start };
  const v = verifier(now);
  const req = await sign('Action=DescribeRegions&Version=2016-11-15', new Date(start));
  const auth = String(req.headers.authorization);
  assert.equal(await code(v.verify({ ...req, headers: { ...req.headers, authorization: auth.replace('AKIDEXAMPLE', 'AKIDUNKNOWN') } })), '401 AuthFailure');
  assert.equal(await code(v.verify({ ...req, headers: { ...req.headers, authorization: undefined } })), '401 MissingAuthenticationToken');
  assert.equal(await code(v.verify({ ...req, headers: { ...req.headers, authorization: 'Bearer x' } })), '401 IncompleteSignature');
  assert.equal(await code(v.verify({ ...req, headers: { ...req.headers, authorization: auth.replace('SignedHeaders=', 'SignedHeaders=x-extra;').replace(/host;/, '') } })), '401 AuthFailure');
  assert.equal(await code(v.verify({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'a'.repeat(64) } })), '403 SignatureDoesNotMatch');
});
