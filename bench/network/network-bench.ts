/**
 * bench/network (part): time to apply 1,000 port forwards on a router. Renders the router's whole nft
 * table with 1,000 port forwards (and their firewall rules) and loads it atomically with `nft -f`
 * into a fresh network namespace, as the host network agent does; then replaces it with a table that
 * has one rule more (an update). Needs root and nftables. Prints JSON.
 *
 *   node --import tsx bench/network/network-bench.ts [--rules 1000] [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRouterNft, type RouterConfig } from '@kumo/netcfg';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (n: string, d: number) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const rules = arg('rules', 1000);
const runs = arg('runs', 5);
const ns = `kbench-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'kumo-bench-net-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function config(n: number): RouterConfig {
  const portForwards = Array.from({ length: n }, (_, i) => ({
    id: `pf-${i}`, publicIp: '203.0.113.10', protocol: 'tcp' as const,
    publicPorts: { from: 10_000 + i, to: 10_000 + i }, privateIp: `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`, privatePorts: { from: 80, to: 80 },
  }));
  const firewallRules = portForwards.map((p, i) => ({ id: `fw-${i}`, publicIp: p.publicIp, protocol: 'tcp' as const, ports: p.publicPorts, sourceCidrs: ['0.0.0.0/0'] }));
  return { guestInterface: 'rg0', publicInterface: 'rp0', guestCidr: '10.0.0.0/16', guestIp: '10.0.0.1', sourceNatIp: '203.0.113.10', portForwards, firewallRules, metadataPort: 8775 } as RouterConfig;
}

try {
  execFileSync('ip', ['netns', 'add', ns]);
  for (const i of ['rg0', 'rp0']) execFileSync('ip', ['-n', ns, 'link', 'add', i, 'type', 'bridge']);
  const render: number[] = []; const load: number[] = []; const update: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const text = renderRouterNft(config(rules));
    render.push(performance.now() - t);
    const file = join(dir, 'router.nft');
    writeFileSync(file, text);
    t = performance.now();
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
    load.push(performance.now() - t);
    writeFileSync(file, renderRouterNft(config(rules + 1)));
    t = performance.now();
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
    update.push(performance.now() - t);
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'ip', 'kumo_router']);
  }
  const listed = execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', join(dir, 'router.nft')]) && execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'kumo_router'], { encoding: 'utf8' });
  const dnat = (listed.match(/dnat to/g) ?? []).length;
  console.log(JSON.stringify({
    machine: machineReport.finish(),
    bench: 'network', portForwards: rules, runs, dnatRulesInReplacedTable: dnat,
    renderMs: { p50: Number(median(render).toFixed(1)) },
    applyNftMs: { p50: Number(median(load).toFixed(1)), note: 'nft -f of the whole table into a fresh namespace' },
    replaceNftMs: { p50: Number(median(update).toFixed(1)), note: 'atomic replace with one rule more' },
    targetMs: 1000,
  }, null, 2));
} finally {
  execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
