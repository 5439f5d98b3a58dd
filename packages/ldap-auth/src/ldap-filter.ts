/** RFC 4515 escaping of a value put into a search filter: a login name can never change the filter's shape. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Replace `{name}` placeholders with already-escaped values; unknown placeholders are an error. */
export function fillFilter(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`unknown placeholder {${name}} in LDAP filter ${template}`);
    return v;
  });
}
