#!/usr/bin/env bash
# Installs the Debian packages Kumo's hosts and tests use, if missing. Needs root.
# Named in one place so that `kumo up`, docs/install.md and CI agree.
set -euo pipefail
packages=(qemu-system-x86 qemu-utils dnsmasq-base nftables haproxy busybox-static linux-image-amd64 e2fsprogs xz-utils cpio genisoimage iproute2 procps chromium fonts-ipafont-gothic wrk prometheus)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${missing[*]} (run as root: apt-get install -y --no-install-recommends ${missing[*]})" >&2; exit 1; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
