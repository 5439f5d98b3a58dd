import { client } from './kumo-client.ts';

interface OpenApiDoc { paths?: Record<string, Record<string, unknown>> }

let doc: Promise<OpenApiDoc> | null = null;

/** Does the server's OpenAPI document list `method path` (path in OpenAPI form, e.g. /api/v1/images/{id})? */
export async function hasApiRoute(method: string, path: string): Promise<boolean> {
  doc ??= client.request<OpenApiDoc>('GET', '/api/v1/openapi.json').catch(() => ({}));
  const d = await doc;
  return Boolean(d.paths?.[path]?.[method.toLowerCase()]);
}
