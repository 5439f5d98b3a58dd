/** What `kumo doctor` found out about this host (gathered by doctor-probe.ts). */
export interface HostProbe {
  isRoot: boolean;
  qemuVersion: string | null;
  qemuImgVersion: string | null;
  accelerator: 'kvm' | 'tcg' | null;
  acceleratorDetail: string;
  ipForward: boolean | null;
  bridgeWorks: boolean | null;
  tools: Record<'nft' | 'dnsmasq' | 'haproxy' | 'busybox', boolean>;
  guestKernel: string | null;
  pools: Array<{ path: string; freeGiB: number; totalGiB: number }>;
  server: { url: string; reachable: boolean; error?: string; clockSkewMs?: number } | null;
  /** net.bridge.bridge-nf-call-iptables: bridged IPv4 passes the host's inet forward hooks (null: br_netfilter not loaded). */
  bridgeNfCallIptables?: boolean | null;
  /** Forward-hook chains of other tables whose policy is drop, e.g. "ip filter FORWARD" (Docker sets one). */
  forwardDropChains?: string[];
  /** UEFI and TPM for guests (docs/guests.md): OVMF, its Secure Boot build, swtpm. Absent: not probed. */
  guestFirmware?: { ovmf: boolean; secureBoot: boolean; swtpm: boolean };
}

export interface Finding { check: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string }

const apt = (pkgs: string) => `apt-get install -y --no-install-recommends ${pkgs}`;

/** Turn a probe into findings, each with the fix to apply. Pure. */
export function evaluateHost(p: HostProbe): Finding[] {
  const f: Finding[] = [];
  f.push(p.isRoot
    ? { check: 'root', status: 'ok', detail: 'running as root' }
    : { check: 'root', status: 'warn', detail: 'not root: the agent needs root for taps, bridges, namespaces and cgroups', fix: 'run the agent as root, or use `kumo up --simulate` for simulated hosts' });
  f.push(p.qemuVersion
    ? { check: 'qemu', status: 'ok', detail: p.qemuVersion }
    : { check: 'qemu', status: 'fail', detail: 'qemu-system-x86_64 not found', fix: apt('qemu-system-x86 qemu-utils') });
  if (!p.qemuImgVersion) f.push({ check: 'qemu-img', status: 'fail', detail: 'qemu-img not found', fix: apt('qemu-utils') });
  if (p.accelerator === 'kvm') f.push({ check: 'kvm', status: 'ok', detail: 'KVM works: guests run with hardware acceleration' });
  else if (p.accelerator === 'tcg') {
    f.push({ check: 'kvm', status: 'warn', detail: `KVM is not usable (${p.acceleratorDetail}); guests will run under TCG software emulation, 10-20x slower`, fix: 'enable virtualisation in the BIOS / on the hypervisor running this machine (nested virtualisation), and load kvm_intel or kvm_amd' });
  }
  if (p.ipForward === false) f.push({ check: 'ip-forward', status: 'fail', detail: 'net.ipv4.ip_forward is 0: routed guest traffic will not pass', fix: 'sysctl -w net.ipv4.ip_forward=1 (and set it in /etc/sysctl.d/)' });
  else if (p.ipForward) f.push({ check: 'ip-forward', status: 'ok', detail: 'IPv4 forwarding on' });
  if (p.bridgeWorks === false) f.push({ check: 'bridge', status: 'fail', detail: 'cannot create a Linux bridge', fix: 'modprobe bridge (or build the kernel with CONFIG_BRIDGE)' });
  else if (p.bridgeWorks) f.push({ check: 'bridge', status: 'ok', detail: 'Linux bridges work' });
  if (p.bridgeNfCallIptables === true && (p.forwardDropChains ?? []).length > 0) {
    f.push({
      check: 'bridged-firewall', status: 'warn',
      detail: `bridged guest traffic passes the host's forward hook (bridge-nf-call-iptables=1) and ${p.forwardDropChains!.join(', ')} drops by default: guests on Kumo's bridges will lose their traffic`,
      fix: 'accept bridged traffic before that policy, e.g. iptables -I FORWARD -m physdev --physdev-is-bridged -j ACCEPT (Docker: also in the DOCKER-USER chain), or run guests on a host without that firewall',
    });
  } else if (p.bridgeNfCallIptables !== undefined) {
    f.push({ check: 'bridged-firewall', status: 'ok', detail: p.bridgeNfCallIptables ? 'no host firewall chain drops forwarded traffic by default' : 'bridged traffic bypasses the host firewall' });
  }
  const missing = Object.entries(p.tools).filter(([, ok]) => !ok).map(([t]) => t);
  const pkgOf: Record<string, string> = { nft: 'nftables', dnsmasq: 'dnsmasq-base', haproxy: 'haproxy', busybox: 'busybox-static' };
  f.push(missing.length === 0
    ? { check: 'network-tools', status: 'ok', detail: 'nft, dnsmasq, haproxy, busybox present' }
    : { check: 'network-tools', status: 'warn', detail: `missing: ${missing.join(', ')}`, fix: apt(missing.map((m) => pkgOf[m]).join(' ')) });
  f.push(p.guestKernel
    ? { check: 'guest-kernel', status: 'ok', detail: `guest kernel for the tiny image: ${p.guestKernel}` }
    : { check: 'guest-kernel', status: 'warn', detail: 'no guest kernel yet for the tiny test image (building it downloads linux-image-amd64\'s package into /var/cache/kumo/guest-kernel, without installing it)', fix: `${apt('busybox-static e2fsprogs')}; apt-get update (the kernel package is fetched at the first build)` });
  if (p.guestFirmware) {
    const g = p.guestFirmware;
    const lacking = [...(g.ovmf ? [] : ['ovmf']), ...(g.swtpm ? [] : ['swtpm', 'swtpm-tools'])];
    f.push(lacking.length === 0
      ? { check: 'guest-firmware', status: 'ok', detail: `UEFI (OVMF${g.secureBoot ? ', with Secure Boot' : ''}) and TPM 2.0 (swtpm) for guests` }
      : {
          check: 'guest-firmware', status: 'warn',
          detail: `${g.ovmf ? '' : 'no OVMF: images with firmware uefi will not start here; '}${g.swtpm ? '' : 'no swtpm: images with a TPM will not start here'}`.replace(/; $/, ''),
          fix: apt(lacking.join(' ')),
        });
  }
  for (const pool of p.pools) {
    const pct = pool.totalGiB > 0 ? pool.freeGiB / pool.totalGiB : 0;
    f.push(pool.freeGiB < 5 || pct < 0.1
      ? { check: `pool ${pool.path}`, status: 'warn', detail: `${pool.freeGiB.toFixed(1)} GiB free of ${pool.totalGiB.toFixed(1)} GiB`, fix: 'free space or add a pool on a bigger filesystem' }
      : { check: `pool ${pool.path}`, status: 'ok', detail: `${pool.freeGiB.toFixed(1)} GiB free of ${pool.totalGiB.toFixed(1)} GiB` });
  }
  if (p.server) {
    if (!p.server.reachable) f.push({ check: 'server', status: 'fail', detail: `cannot reach ${p.server.url}: ${p.server.error ?? 'no answer'}`, fix: 'check the URL, the firewall between this host and the server, and that the server runs' });
    else {
      f.push({ check: 'server', status: 'ok', detail: `${p.server.url} answers` });
      const skew = Math.abs(p.server.clockSkewMs ?? 0);
      f.push(skew > 2000
        ? { check: 'clock', status: 'warn', detail: `clock differs from the server's by ${(skew / 1000).toFixed(1)} s`, fix: 'run an NTP client (chrony or systemd-timesyncd) on every host and the server' }
        : { check: 'clock', status: 'ok', detail: `clock within ${skew} ms of the server` });
    }
  }
  return f;
}
