import { ApiError, type ApiErrorBody, type ErrorCode, errorCodes } from './errors.ts';
import type { ListResponse } from './schemas/common.ts';
import type { Operation } from './schemas/operation.ts';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** The typed HTTP client of the Kumo REST API; the CLI and the web console talk only through it. */
export class KumoClient {
  readonly baseUrl: string;
  private token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  setToken(token: string | undefined): void { this.token = token; }
  tokenValue(): string | undefined { return this.token; }

  /** A request whose answer is text (console logs) rather than JSON. */
  async requestText(method: string, path: string): Promise<string> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.fetchImpl(this.baseUrl + path, { method, headers });
    const text = await res.text();
    if (!res.ok) {
      const err = (JSON.parse(text) as ApiErrorBody).error;
      throw new ApiError(err.code in errorCodes ? err.code : 'internal', err.message, err.details);
    }
    return text;
  }

  /** Stream a file as the body of a PUT, reporting bytes sent. */
  async upload<T>(path: string, query: Query, body: ReadableStream<Uint8Array> | Uint8Array, size: number): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.fetchImpl(url, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit);
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const err = (data as ApiErrorBody).error;
      throw new ApiError(err.code in errorCodes ? err.code : 'internal', err.message, err.details);
    }
    return data as T;
  }

  async request<T>(method: string, path: string, opts: { body?: unknown; query?: Query; headers?: Record<string, string> } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
    } catch (e) {
      throw new ApiError('host_unavailable', `cannot reach the Kumo server at ${this.baseUrl}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const err = (data as ApiErrorBody | undefined)?.error;
      const code = (err?.code && err.code in errorCodes ? err.code : 'internal') as ErrorCode;
      throw new ApiError(code, err?.message ?? `HTTP ${res.status}`, err?.details);
    }
    return data as T;
  }

  list<T>(resource: string, query: Query = {}): Promise<ListResponse<T>> {
    return this.request('GET', `/api/v1/${resource}`, { query });
  }

  /** Every item of a list, following cursors. */
  async listAll<T>(resource: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page: ListResponse<T> = await this.list<T>(resource, { ...query, limit: 1000, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  get<T>(resource: string, id: string): Promise<T> { return this.request('GET', `/api/v1/${resource}/${encodeURIComponent(id)}`); }
  create<T>(resource: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request('POST', `/api/v1/${resource}`, { body, headers });
  }
  update<T>(resource: string, id: string, body: unknown): Promise<T> {
    return this.request('PATCH', `/api/v1/${resource}/${encodeURIComponent(id)}`, { body });
  }
  delete<T>(resource: string, id: string): Promise<T> { return this.request('DELETE', `/api/v1/${resource}/${encodeURIComponent(id)}`); }

  /** An instance action (start, stop, ...) returns its operation. */
  instanceAction(id: string, action: string, body: { force?: boolean; timeoutSec?: number } = {}): Promise<Operation> {
    return this.request('POST', `/api/v1/instances/${encodeURIComponent(id)}/${action}`, { body });
  }

  /** Poll an operation until it ends; `onProgress` sees every change. */
  async waitOperation(id: string, opts: { timeoutMs?: number; intervalMs?: number; onProgress?: (op: Operation) => void } = {}): Promise<Operation> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    let last = '';
    for (;;) {
      const op = await this.request<Operation>('GET', `/api/v1/operations/${encodeURIComponent(id)}`, { query: { wait: true, waitTimeoutSec: 10 } });
      const sig = `${op.status}/${op.progress}/${op.message}`;
      if (sig !== last) { opts.onProgress?.(op); last = sig; }
      if (op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled') return op;
      if (Date.now() > deadline) throw new ApiError('operation_failed', `operation ${id} did not finish in time (still ${op.status})`);
      if (opts.intervalMs) await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  }
}
