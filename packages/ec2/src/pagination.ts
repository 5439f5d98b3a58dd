import { Ec2Error } from './ec2-error.ts';
import type { QueryParams } from './query-params.ts';

/** MaxResults and NextToken of a Describe call: EC2 allows 5..1000 per page (DescribeInstances); no MaxResults: everything. */
export interface PageRequest { maxResults: number | undefined; after: string | null }

export function pageRequest(params: QueryParams, min = 5, max = 1000): PageRequest {
  const maxResults = params.int('MaxResults', min, max);
  const token = params.get('NextToken');
  return { maxResults, after: token ? decodeToken(token) : null };
}

/** NextToken: the last id of the page (opaque to clients: base64url). */
export function encodeToken(lastId: string): string { return Buffer.from(`v1:${lastId}`).toString('base64url'); }

function decodeToken(token: string): string {
  const s = Buffer.from(token, 'base64url').toString();
  if (!s.startsWith('v1:') || s.length < 4) throw new Ec2Error('InvalidParameterValue', `NextToken: not a token this endpoint gave out: ${token}`);
  return s.slice(3);
}

/** A page of items (sorted by `idOf`) that are after the token; the next token when more remain. */
export function pageOf<T>(items: readonly T[], idOf: (t: T) => string, page: PageRequest): { items: T[]; nextToken: string | undefined } {
  const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const rest = page.after === null ? sorted : sorted.filter((t) => idOf(t) > page.after!);
  if (page.maxResults === undefined || rest.length <= page.maxResults) return { items: rest, nextToken: undefined };
  const out = rest.slice(0, page.maxResults);
  return { items: out, nextToken: encodeToken(idOf(out[out.length - 1]!)) };
}
