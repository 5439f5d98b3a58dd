/**
 * `-smbios type=1,…`: the SMBIOS system information of spec.smbios (pure). Values are QemuOpts
 * values (',' doubled); control characters are refused, since the guest reads them as DMI strings.
 */
import { DriverError, type SmbiosSystemSpec } from '@kumo/core';

const SMBIOS_VALUE = /^[\x20-\x7e]{1,200}$/;

export function smbiosArgv(smbios: SmbiosSystemSpec | undefined): string[] {
  if (smbios === undefined) return [];
  const fields: string[] = [];
  for (const key of ['manufacturer', 'product', 'serial'] as const) {
    const v = smbios[key];
    if (v === undefined) continue;
    if (!SMBIOS_VALUE.test(v)) throw new DriverError(`invalid instance spec: smbios.${key} ${JSON.stringify(v)} must be 1–200 printable ASCII characters`, 'start_failed');
    fields.push(`${key}=${v.replaceAll(',', ',,')}`);
  }
  return fields.length === 0 ? [] : ['-smbios', `type=1,${fields.join(',')}`];
}
