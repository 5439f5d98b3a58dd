/** Field names whose values never reach the audit log: passwords, tokens, keys and other secrets. */
export const secretFieldPattern = /(pass(word|phrase)?|secret|token|private.?key|api.?key|access.?key|credential|authorization|cookie|user.?data|^key)$/i;

export const redacted = '[redacted]';
const maxDepth = 8;
const maxStringLength = 1024;

/**
 * A copy of a request body fit for the audit log: every field named like a secret (at any depth)
 * replaced by "[redacted]", long strings cut, anything that is not JSON data summarised.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > maxStringLength ? `${value.slice(0, maxStringLength)}…` : value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (depth >= maxDepth) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecrets(v, depth + 1));
  if (typeof value === 'object') {
    if (typeof (value as { pipe?: unknown }).pipe === 'function') return '[stream]';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = secretFieldPattern.test(k) ? redacted : redactSecrets(v, depth + 1);
    return out;
  }
  return undefined;
}
