import { stringify as toYaml } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'csv';

export interface Column { key: string; header: string; width?: number }

/** Table renderings of fields that are not plain values (key → text). */
export type Formatters = Record<string, (v: unknown) => string>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function pick(obj: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Render rows as an aligned table (columns chosen per resource), JSON, YAML or CSV (the table's columns, keys as headers). */
export function renderList(rows: Array<Record<string, unknown>>, columns: Column[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(rows, null, 2);
  if (format === 'csv') return [columns.map((c) => csvField(c.key)).join(','), ...rows.map((r) => columns.map((c) => csvField(pick(r, c.key))).join(','))].join('\n');
  if (format === 'yaml') return toYaml(rows);
  const cells = rows.map((r) => columns.map((c) => cell(pick(r, c.key))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

export function renderOne(obj: Record<string, unknown>, format: OutputFormat, formatters: Formatters = {}): string {
  if (format === 'json') return JSON.stringify(obj, null, 2);
  if (format === 'csv') return renderList([obj], Object.keys(obj).map((k) => ({ key: k, header: k })), 'csv');
  if (format === 'yaml') return toYaml(obj);
  const keys = Object.keys(obj);
  const w = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => {
    const f = formatters[k];
    return `${k.padEnd(w)}  ${f ? f(obj[k]) : cell(obj[k])}`;
  }).join('\n');
}
