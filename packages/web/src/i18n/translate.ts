/** Fill `{name}` placeholders of a message. Unknown placeholders stay visible, to be noticed. */
export function fillMessage(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}
