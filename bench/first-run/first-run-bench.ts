/**
 * bench/first-run: where a first `kumo up` on a fresh Debian 12 machine spends its time, measured
 * piece by piece (the whole run is measured on CI, a fresh machine).
 *
 * - apt: in a throwaway Debian 12 chroot (--chroot DIR, e.g. a fresh `debootstrap --variant=minbase
 *   bookworm DIR`; it is changed), `apt-get install -s` of `kumo up`'s host packages the old way
 *   (with recommends, plus linux-image-amd64 for the guest kernel) and the new way
 *   (--no-install-recommends, no kernel): packages and download size; then, unless --no-install,
 *   the new way for real, timed.
 * - guest kernel: `apt-get download` + `dpkg-deb -x` + `depmod` of Debian's kernel package into an
 *   empty cache directory (what the tiny image build does instead of installing a kernel), timed.
 *
 *   node --import tsx bench/first-run/first-run-bench.ts --chroot /var/tmp/fresh-bookworm [--no-install]
 *   node --import tsx bench/first-run/first-run-bench.ts --status DIR/var/lib/dpkg/status [--no-kernel]
 *   node --import tsx bench/first-run/first-run-bench.ts --up [--port 18480] --no-kernel
 *
 * --up times a real `kumo up` from this checkout with an empty data directory and guest kernel cache
 * (kumo-up-run.ts): the first line, each step and the banner.
 *
 * --status simulates on this host, with its apt lists, as if only the packages in that dpkg status
 * file (e.g. a fresh debootstrap's) were installed: no chroot, no network.
 *
 * Root. Prints JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { downloadGuestKernel } from '@kumo/image-tiny';
import { hostPackages } from '../../packages/kumo/src/system-packages.ts';
import { startMachineReport } from '../machine/machine-report.ts';
import { stringFlag } from '../bench-flags.ts';
import { timeKumoUp } from './kumo-up-run.ts';

const run = promisify(execFile);
const chroot = stringFlag('chroot');
const install = !process.argv.includes('--no-install');

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = Date.now();
  const value = await fn();
  return { ms: Date.now() - t, value };
}

/** Package count and download size from `apt-get install -s` output ("Inst" lines; "Need to get"). */
function simulation(out: string): { packages: number; download: string } {
  const packages = out.split('\n').filter((l) => l.startsWith('Inst ')).length;
  const download = /Need to get ([^ ]+ [kMG]?B)/.exec(out)?.[1] ?? 'unknown (run apt-get update in the chroot)';
  return { packages, download };
}

const inChroot = (dir: string, argv: string[]) => run('chroot', [dir, 'env', 'DEBIAN_FRONTEND=noninteractive', ...argv], { maxBuffer: 64 * 1024 * 1024 });
/** `apt-get install -s` on this host as if its installed packages were those of `statusFile`. */
const simulateAgainst = (statusFile: string, args: string[]) =>
  run('apt-get', ['install', '-s', '-o', `Dir::State::status=${statusFile}`, '-o', 'Dir::Cache::archives=/nonexistent', ...args], { maxBuffer: 64 * 1024 * 1024 });

const machineReport = startMachineReport();
const result: Record<string, unknown> = { machine: null, date: new Date().toISOString(), load: (await run('cat', ['/proc/loadavg'])).stdout.trim() };
const status = stringFlag('status');
if (status) {
  result['simulatedBefore'] = { what: 'host packages with recommends + linux-image-amd64', ...simulation((await simulateAgainst(status, [...hostPackages, 'linux-image-amd64'])).stdout) };
  result['simulatedNow'] = { what: 'host packages, --no-install-recommends, no kernel', ...simulation((await simulateAgainst(status, ['--no-install-recommends', ...hostPackages])).stdout) };
}
if (chroot) {
  // -s prints what would be installed, with the download size when the .debs are not cached.
  const old = await inChroot(chroot, ['apt-get', 'install', '-s', '-o', 'APT::Get::Print-URIs=false', ...hostPackages, 'linux-image-amd64']);
  const now = await inChroot(chroot, ['apt-get', 'install', '-s', '--no-install-recommends', ...hostPackages]);
  result['aptBefore'] = { what: 'host packages with recommends + linux-image-amd64', ...simulation(old.stdout) };
  result['aptNow'] = { what: 'host packages, --no-install-recommends, no kernel', ...simulation(now.stdout) };
  if (install) {
    const t = await timed(() => inChroot(chroot, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...hostPackages]));
    result['aptNowInstallMs'] = t.ms;
  }
}
const cache = await mkdtemp('/var/tmp/kumo-bench-kernel-');
try {
  if (process.argv.includes('--no-kernel')) throw new Error('skipped');
  const k = await timed(() => downloadGuestKernel(join(cache, 'guest-kernel')));
  result['guestKernel'] = { ms: k.ms, version: k.value.version, what: 'apt-get download + dpkg-deb -x + depmod -b into an empty cache' };
} catch (e) {
  if ((e as Error).message !== 'skipped') throw e;
} finally {
  await rm(cache, { recursive: true, force: true });
}
if (process.argv.includes('--up')) {
  result['kumoUp'] = await timeKumoUp(new URL('../..', import.meta.url).pathname, Number(stringFlag('port') ?? 18480));
}
result['machine'] = machineReport.finish();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
