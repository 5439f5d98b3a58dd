/**
 * The daemons of a router namespace, as DaemonSpecs: dnsmasq (DHCP/DNS; restarted
 * when its config changes, its leases file survives), the metadata service (reads
 * its table file by itself when it changes) and, when the router has load
 * balancers, haproxy in master-worker mode (config checked, then reloaded with
 * SIGUSR2). A shared network's DHCP server namespace runs the same dnsmasq and
 * metadata service.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDnsmasqConf, renderHaproxyConf, type DnsmasqConfig } from '@kumo/netcfg';
import type { RouterSpec } from '../host-network-spec.ts';
import type { MetadataTable } from '../metadata/metadata-table.ts';
import { METADATA_LOCAL_PORT, routerHaproxyConfig, type DaemonFiles } from '../router-artifacts.ts';
import type { DaemonSpec } from './router-daemon.ts';

/** `config` builds the dnsmasq config (routerDnsmasqConfig, dhcpServerDnsmasqConfig) with the daemon's files. */
export function dnsmasqDaemon(dir: string, netns: string, config: (files: DaemonFiles) => DnsmasqConfig): DaemonSpec {
  const configFile = join(dir, 'dnsmasq.conf');
  const pidFile = join(dir, 'dnsmasq.pid');
  return {
    name: 'dnsmasq',
    netns,
    dir,
    configFile,
    configText: renderDnsmasqConf(config({ pidFile, leaseFile: join(dir, 'dnsmasq.leases') })),
    pidFile,
    argv: ['dnsmasq', `--conf-file=${configFile}`, `--log-facility=${join(dir, 'dnsmasq.log')}`],
    start: 'daemonizes',
    onConfigChange: 'restart',
  };
}

/** argv head that runs a TypeScript entry point (node with the tsx loader). */
export type ScriptRunner = (scriptPath: string) => string[];

/** The metadata service answering for `table` on listenIp:METADATA_LOCAL_PORT (169.254.169.254:80 is redirected there). */
export function metadataDaemon(dir: string, netns: string, table: MetadataTable, listenIp: string, runScript: ScriptRunner): DaemonSpec {
  const configFile = join(dir, 'metadata.json');
  const pidFile = join(dir, 'metadata.pid');
  const main = fileURLToPath(new URL('../metadata/metadata-server-main.ts', import.meta.url));
  return {
    name: 'metadata',
    netns,
    dir,
    configFile,
    configText: `${JSON.stringify(table, null, 1)}\n`,
    pidFile,
    argv: [
      ...runScript(main),
      '--network', table.networkId, '--table', configFile,
      '--listen', listenIp, '--port', String(METADATA_LOCAL_PORT), '--pid-file', pidFile,
    ],
    start: 'foreground',
    onConfigChange: 'none',
  };
}

/** undefined when the router has no load balancers. */
export function haproxyDaemon(dir: string, netns: string, router: RouterSpec): DaemonSpec | undefined {
  const pidFile = join(dir, 'haproxy.pid');
  const config = routerHaproxyConfig(router, { pidFile });
  const configFile = join(dir, 'haproxy.cfg');
  if (config === undefined) return undefined;
  return {
    name: 'haproxy',
    netns,
    dir,
    configFile,
    configText: renderHaproxyConf(config),
    pidFile,
    argv: ['haproxy', '-W', '-D', '-f', configFile],
    start: 'daemonizes',
    onConfigChange: { signal: 'SIGUSR2', check: ['haproxy', '-c', '-q', '-f', configFile] },
  };
}

/** The haproxy identity of a router without load balancers (to stop a leftover one). */
export function haproxyIdentity(dir: string, netns: string): Pick<DaemonSpec, 'name' | 'dir' | 'pidFile' | 'netns' | 'configFile'> {
  return { name: 'haproxy', dir, netns, pidFile: join(dir, 'haproxy.pid'), configFile: join(dir, 'haproxy.cfg') };
}
