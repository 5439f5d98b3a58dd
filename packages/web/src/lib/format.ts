/** Formatting of sizes, ratios, ages and times for display. Pure; the language is a parameter. */
export type Lang = 'en' | 'ja';

function trim(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function formatMiB(mib: number): string {
  if (Math.abs(mib) < 1024) return `${trim(mib)} MiB`;
  if (Math.abs(mib) < 1024 * 1024) return `${trim(mib / 1024)} GiB`;
  return `${trim(mib / 1024 / 1024)} TiB`;
}

export function formatGiB(gib: number): string {
  if (Math.abs(gib) < 1024) return `${trim(gib)} GiB`;
  return `${trim(gib / 1024)} TiB`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v.toString() : trim(v)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toString() : trim(n);
}

/** used / total in 0..1; 0 when there is no total. */
export function usageRatio(used: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(1, Math.max(0, used / total));
}

export function formatPercent(used: number, total: number): string {
  return `${Math.round(usageRatio(used, total) * 100)}%`;
}

const ageUnits: Record<Lang, [string, string, string, string]> = {
  en: [' s', ' min', ' h', ' d'],
  ja: ['秒', '分', '時間', '日'],
};

/** A duration as one rounded unit: "42 s", "5 min", "3 h", "2 d" (Japanese: 42秒 …). */
export function formatAge(ms: number, lang: Lang): string {
  const [s, m, h, d] = ageUnits[lang];
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 60) return `${sec}${s}`;
  if (sec < 3600) return `${Math.floor(sec / 60)}${m}`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}${h}`;
  return `${Math.floor(sec / 86400)}${d}`;
}

/** A timestamp in the reader's language, to the second. */
export function formatDateTime(iso: string | null, lang: Lang, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** Count items by a key, in the order of `keys` (missing keys count 0; unknown keys are appended). */
export function countBy<T>(items: readonly T[], key: (item: T) => string, keys: readonly string[] = []): Array<[string, number]> {
  const counts = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const it of items) { const k = key(it); counts.set(k, (counts.get(k) ?? 0) + 1); }
  return [...counts.entries()];
}
