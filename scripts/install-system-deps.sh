#!/usr/bin/env bash
# Installs the Debian packages Kumo's hosts and tests use, if missing. Needs root.
# Named in one place so that `kumo up`, docs/install.md and CI agree. The tiny guest's kernel is not
# installed into the host: the image build downloads Debian's kernel package and unpacks it into a cache.
# One `apt-get install --no-install-recommends` for everything (one dependency resolution, one dpkg run),
# with initramfs regeneration switched off while it runs (nothing here changes what this host boots),
# and a progress line per step with its time.
set -euo pipefail
packages=(qemu-system-x86 qemu-utils dnsmasq-base nftables haproxy busybox-static e2fsprogs kmod xz-utils cpio genisoimage ovmf swtpm swtpm-tools grub-pc-bin grub-efi-amd64-bin grub-common mtools dosfstools fdisk xorriso iproute2 procps lxc uidmap chromium fonts-ipafont-gothic wrk slapd ldap-utils openssl prometheus qemu-guest-agent debootstrap)
# Ceph RBD pools: the CLIs, the daemons of the test cluster, and QEMU's rbd block driver.
ceph_packages=(ceph-mon ceph-osd ceph-common qemu-block-extra)
ms() { echo $(( $(date +%s%N) / 1000000 )); }
started=$(ms)
step_start=$started
step() { # step NAME: prints the time the previous step took, in seconds with one decimal
  local now; now=$(ms)
  local d=$(( (now - step_start) / 100 )) t=$(( (now - started) / 100 ))
  echo "install-system-deps: $1 ($((d / 10)).$((d % 10)) s; $((t / 10)).$((t % 10)) s since start)"
  step_start=$now
}
missing=()
for p in "${packages[@]}" "${ceph_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Unprivileged LXC containers map their root to host ids 100000-165535 (packages/driver-lxc).
if [ "$(id -u)" = 0 ]; then
  for f in /etc/subuid /etc/subgid; do grep -q '^root:100000:65536$' "$f" 2>/dev/null || echo 'root:100000:65536' >> "$f"; done
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${missing[*]} (run as root: apt-get install -y --no-install-recommends ${missing[*]})" >&2; exit 1; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
step "apt-get update"
# Packages such as lvm2 (pulled by ceph-osd) have initramfs hooks that would regenerate this host's
# initrd during the install: switch that off for this install only, then put the setting back as it was.
conf=/etc/initramfs-tools/update-initramfs.conf
saved=""
if [ -f "$conf" ]; then saved=$(cat "$conf"); sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$conf"
else mkdir -p "$(dirname "$conf")" && echo 'update_initramfs=no' > "$conf"; fi
restore() { if [ -n "$saved" ]; then printf '%s\n' "$saved" > "$conf"; else rm -f "$conf"; fi; }
trap restore EXIT
apt-get install -y -q --no-install-recommends "${missing[@]}"
step "apt-get install of ${#missing[@]} packages"
