/**
 * Typed text of a form field as the API should see it. Nothing is checked here: what the user
 * typed goes to the API (a number that is not one is sent as null), whose answer names the field.
 * An absent value is `undefined`, which JSON leaves out of the request body.
 */

/** A number field: absent when empty, so the API can say it is required or use its default. */
export function numberOrUndefined(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** A port or a port range: "80" → 80–80, "8000-8100" → 8000–8100, empty → absent. */
export function parsePortRange(text: string): { from: number; to: number } | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const parts = s.split(/\s*[-–]\s*/);
  if (parts.length > 2) return { from: Number.NaN, to: Number.NaN };
  const from = Number(parts[0]);
  return { from, to: parts.length === 2 ? Number(parts[1]) : from };
}

/** A list typed as words separated by spaces or commas (CIDRs); empty → absent (the API's default). */
export function parseList(text: string): string[] | undefined {
  const items = text.split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

/** The traffic part of a firewall, egress or security-group rule: ports for tcp and udp, type and code for icmp. */
export interface TrafficText { protocol: string; ports: string; icmpType: string; icmpCode: string }

export function trafficBody(v: TrafficText): { protocol: string; ports?: { from: number; to: number }; icmpType?: number; icmpCode?: number } {
  const ports = v.protocol === 'tcp' || v.protocol === 'udp' ? parsePortRange(v.ports) : undefined;
  const icmpType = v.protocol === 'icmp' ? numberOrUndefined(v.icmpType) : undefined;
  const icmpCode = v.protocol === 'icmp' ? numberOrUndefined(v.icmpCode) : undefined;
  return {
    protocol: v.protocol,
    ...(ports ? { ports } : {}),
    ...(icmpType !== undefined ? { icmpType } : {}),
    ...(icmpCode !== undefined ? { icmpCode } : {}),
  };
}

/** A checkbox list's new value: ticking appends (the order of choice is kept), unticking removes. */
export function toggleId(ids: readonly string[], id: string, on: boolean): string[] {
  if (on) return ids.includes(id) ? [...ids] : [...ids, id];
  return ids.filter((x) => x !== id);
}

/** An option of a select or a checkbox list. */
export interface Choice { value: string; label: string }

/** Choices whose label is their value (protocols, policies, algorithms). */
export const plainChoices = (values: readonly string[]): Choice[] => values.map((v) => ({ value: v, label: v }));
