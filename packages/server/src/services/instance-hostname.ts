/** An instance name as a DNS label: lowercase letters, digits and inner hyphens. */
export function hostnameOf(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label === '' ? 'instance' : label;
}
