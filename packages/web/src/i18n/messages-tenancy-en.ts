/** English text of the tenancy screens (domains). */
export const tenancyEn = {
  'nav.domains': 'Domains',
  'dom.title': 'Domains',
  'dom.create': 'New domain',
  'dom.parent': 'Parent domain',
  'dom.path': 'Path',
  'dom.enabled': 'Enabled',
  'dom.disabled': 'Disabled',
  'dom.disable': 'Disable',
  'dom.enable': 'Enable',
  'dom.disableNamed': 'Disable domain {name}',
  'dom.enableNamed': 'Enable domain {name}',
} as const;
