import { validateHostNetworkSpec, type HostNetworkSpec } from '@kumo/netagent';

/**
 * Guest networking on a simulated host: checks each spec with the real agent's validator and keeps
 * the last one, so tests and demos see exactly what a real host would be asked to build.
 */
export class FakeNetwork {
  last: HostNetworkSpec | null = null;
  applied = 0;
  async apply(spec: unknown): Promise<{ generation: number; ok: true; changes: []; errors: []; durationMs: 0 }> {
    const valid = validateHostNetworkSpec(spec);
    if (this.last && valid.generation < this.last.generation) throw Object.assign(new Error(`stale spec generation ${valid.generation}`), { code: 'conflict' });
    this.last = valid;
    this.applied++;
    return { generation: valid.generation, ok: true, changes: [], errors: [], durationMs: 0 };
  }
  async close(): Promise<void> { /* nothing runs */ }
}
