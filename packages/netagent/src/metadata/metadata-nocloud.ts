/**
 * The NoCloud layout of the metadata service (pure): what cloud-init's NoCloud datasource reads
 * from a seed URL, `ds=nocloud-net;s=http://169.254.169.254/nocloud/` in the guest's SMBIOS serial
 * (@kumo/core driver/smbios.ts). cloud-init 22.4 fetches `meta-data`, `user-data` and `vendor-data`
 * and fails the datasource when meta-data or user-data is missing, so both always answer (user-data
 * empty without user data). `network-config` (DHCP on the NIC's MAC, named eth0) is served for the
 * cloud-init versions that read it from a seed URL.
 *
 * YAML strings are written as JSON-quoted scalars, which YAML reads verbatim.
 */
import type { InstanceMetadata } from '../host-network-spec.ts';

export const nocloudFiles = ['meta-data', 'user-data', 'vendor-data', 'network-config'] as const;

const q = (s: string): string => JSON.stringify(s);

export function nocloudMetaData(i: InstanceMetadata): string {
  const lines = [`instance-id: ${q(i.instanceId)}`, `local-hostname: ${q(i.hostname)}`];
  const keys = i.publicKeys ?? [];
  if (keys.length > 0) lines.push('public-keys:', ...keys.map((k) => `  - ${q(k.openssh.trim())}`));
  return `${lines.join('\n')}\n`;
}

export function nocloudNetworkConfig(i: InstanceMetadata): string {
  const match = i.mac === undefined ? [] : ['    match:', `      macaddress: ${q(i.mac.toLowerCase())}`, `    set-name: ${q('eth0')}`];
  return ['version: 2', 'ethernets:', '  eth0:', ...match, '    dhcp4: true', ''].join('\n');
}

/** The file's body, or undefined for a name the layout does not have. */
export function nocloudFile(i: InstanceMetadata, name: string): { body: Buffer; contentType: string } | undefined {
  const text = (s: string): { body: Buffer; contentType: string } => ({ body: Buffer.from(s, 'utf8'), contentType: 'text/plain; charset=utf-8' });
  switch (name) {
    case 'meta-data':
      return text(nocloudMetaData(i));
    case 'user-data':
      return { body: Buffer.from(i.userData ?? '', 'base64'), contentType: 'application/octet-stream' };
    case 'vendor-data':
      return text('');
    case 'network-config':
      return text(nocloudNetworkConfig(i));
    default:
      return undefined;
  }
}
