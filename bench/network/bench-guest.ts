/**
 * One guest of bench/network/create-to-usable.ts: a testbed namespace with guest-probe.ts running in
 * it, waiting for its NIC. Every line the probe prints is stamped with performance.now() on arrival.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import type { ProbeEvent } from './guest-probe.ts';

/**
 * busybox udhcpc event script: the tiny guest image's (packages/image-tiny guest-scripts.ts) address,
 * MTU and route handling, without its console and /etc/resolv.conf writes (an `ip netns exec` guest
 * shares the host's /etc), and printing the lease for the probe.
 */
const UDHCPC_SCRIPT = `#!/bin/sh
[ -n "$interface" ] || exit 1
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    while ip -4 route del default dev "$interface" 2>/dev/null; do :; done
    gw=""
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface"; else ip route replace "$1" via "$2" dev "$interface"; fi
        [ "$1" = 0.0.0.0/0 ] && gw="$2"
        shift 2
      done
    else
      for r in $router; do ip route add default via "$r" dev "$interface"; gw="$r"; break; done
    fi
    echo "KUMO-LEASE $ip $gw"
    ;;
esac
exit 0
`;

/** Writes the udhcpc event script into `dir`; returns its path. */
export function writeUdhcpcScript(dir: string): string {
  const path = join(dir, 'udhcpc.sh');
  writeFileSync(path, UDHCPC_SCRIPT);
  chmodSync(path, 0o755);
  return path;
}

const probeScript = fileURLToPath(new URL('./guest-probe.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

export interface StampedEvent { at: number; event: ProbeEvent }

export class BenchGuest {
  readonly events: StampedEvent[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly netns: string, private readonly probe: TestbedProcess) {
    let buffered = '';
    probe.child.stdout?.on('data', (d: Buffer) => {
      const at = performance.now();
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try { this.events.push({ at, event: JSON.parse(line) as ProbeEvent }); } catch { /* not ours */ }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    void probe.exited.then(() => { for (const w of this.waiters.splice(0)) w(); });
  }

  /** Creates namespace kt-<id>-<suffix> and starts the probe in it; resolves once it listens for SIGUSR2. */
  static async create(bed: Testbed, suffix: string, udhcpcScript: string, udhcpcArgs: string[], budgetMs: number): Promise<BenchGuest> {
    const netns = await bed.createNamespace(suffix);
    const probe = bed.spawnIn(netns, [process.execPath, '--import', tsx, probeScript, udhcpcScript, String(Date.now() + budgetMs), ...udhcpcArgs]);
    const guest = new BenchGuest(netns, probe);
    await guest.until((e) => e.event === 'ready', 30_000);
    return guest;
  }

  /** The instance runs: the guest "boots" (instantly). */
  start(): void { this.probe.child.kill('SIGUSR2'); }

  /** The first event matching `match`; rejects on a probe failure, its exit or the timeout. */
  async until(match: (e: ProbeEvent) => boolean, timeoutMs: number): Promise<StampedEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find((e) => match(e.event));
      if (hit) return hit;
      const failed = this.events.find((e) => e.event.event === 'failed');
      if (failed && failed.event.event === 'failed') throw new Error(`guest ${this.netns}: ${failed.event.step} failed: ${failed.event.message}`);
      if (this.probe.child.exitCode !== null || this.probe.child.signalCode !== null) throw new Error(`guest probe in ${this.netns} exited: ${this.probe.output().slice(-2000)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`guest ${this.netns}: timed out after ${timeoutMs} ms (events: ${this.events.map((e) => e.event.event).join(', ') || 'none'})`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  /** Stops the probe (and its udhcpc/ping children) and deletes the namespace. */
  async remove(): Promise<void> {
    const pids = await runCommand(['ip', 'netns', 'pids', this.netns], { allowFailure: true });
    for (const pid of pids.stdout.split('\n').map(Number).filter((n) => n > 0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await this.probe.exited;
    await runCommand(['ip', 'netns', 'del', this.netns], { allowFailure: true });
  }
}
