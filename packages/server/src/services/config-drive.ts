/**
 * The files of an instance's NoCloud config drive (cloud-init's nocloud datasource), rendered from
 * what the database knows (pure). Strings are written as JSON-quoted scalars, which YAML reads
 * verbatim, so no name or key can break the document.
 *
 * The network config is static (cloud-init network config v2): a guest reading its config drive
 * may have no DHCP, so every NIC gets its address, MTU and DNS, and the first NIC the default route.
 */
import type { ConfigDriveSpec } from '@kumo/core';

export interface ConfigDriveNic {
  mac: string;
  ip: string;
  prefix: number;
  gateway: string;
  mtu: number;
  dnsServers: string[];
  searchDomain: string;
}

export interface ConfigDriveInput {
  instanceId: string;
  hostname: string;
  publicKeys: string[];
  userData: string;
  /** In device order (eth0 first). */
  nics: ConfigDriveNic[];
}

const q = (s: string): string => JSON.stringify(s);

export function renderConfigDrive(i: ConfigDriveInput): ConfigDriveSpec {
  const meta = [`instance-id: ${q(i.instanceId)}`, `local-hostname: ${q(i.hostname)}`];
  if (i.publicKeys.length > 0) meta.push('public-keys:', ...i.publicKeys.map((k) => `  - ${q(k.trim())}`));
  const spec: ConfigDriveSpec = { metaData: `${meta.join('\n')}\n`, userData: i.userData };
  if (i.nics.length === 0) return spec;
  const net = ['version: 2', 'ethernets:'];
  i.nics.forEach((n, idx) => {
    net.push(
      `  eth${idx}:`,
      '    match:',
      `      macaddress: ${q(n.mac)}`,
      `    set-name: ${q(`eth${idx}`)}`,
      `    mtu: ${n.mtu}`,
      `    addresses: [${q(`${n.ip}/${n.prefix}`)}]`,
    );
    if (idx === 0) net.push('    routes:', `      - to: ${q('0.0.0.0/0')}`, `        via: ${q(n.gateway)}`);
    net.push('    nameservers:', `      addresses: [${n.dnsServers.map(q).join(', ')}]`, `      search: [${q(n.searchDomain)}]`);
  });
  return { ...spec, networkConfig: `${net.join('\n')}\n` };
}
