/**
 * The shell scripts of the tiny guest (pure text). The userland scripts are the
 * same in the initramfs and on the root disk; only /init is initramfs-only.
 *
 * Markers on the serial console (one line each, for the agent and the tests):
 *   KUMO-BOOT-OK                userspace is up, the power button is armed
 *   KUMO-NET-UP <if> <ip>/<len>  a DHCP lease was applied
 *   KUMO-INSTANCE-ID=<id>       the metadata service answered
 *   KUMO-CONFIG-DRIVE instance-id=<id>
 *                               a NoCloud config drive (a disk with an ISO 9660 file
 *                               system labelled cidata) is mounted read-only at
 *                               /run/kumo/cidata; <id> is meta-data's instance-id
 *                               (empty when it has none). Printed before KUMO-BOOT-OK.
 *   KUMO-USER-DATA exit=<status>
 *                               the config drive's user-data began with #! and ran
 *                               (once per instance id, in the background, its output
 *                               on the console before this line)
 *
 * Kernel arguments read from /proc/cmdline (the `kumo_x` spelling is preferred;
 * `kumo.x` works too, but the kernel hides dotted names from init's environment
 * because it takes them for module parameters):
 *   kumo_hostname=NAME   host name (default kumo-tiny)
 *   kumo_root=DEV|none   root disk (default /dev/vda); none stays in the initramfs
 */

/** Where /init finds the modules to insmod, one absolute path per line, in load order. */
export const initrdModuleListPath = '/etc/kumo/initrd-modules';

const cmdlineHelper = `# kumo_arg NAME: value of kernel argument kumo_NAME= (or kumo.NAME=), empty if absent.
kumo_arg() {
  local arg value=
  set -f
  for arg in $(cat /proc/cmdline); do
    case "$arg" in
      "kumo_$1="*|"kumo.$1="*) value=\${arg#*=} ;;
    esac
  done
  set +f
  echo "$value"
}
`;

export const initScript = `#!/bin/sh
# Kumo tiny guest, initramfs stage: load the drivers, then switch to the root disk
# (ext4 on /dev/vda, or kumo_root=DEV); without one keep running from the initramfs,
# which carries the same userland.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev

while read -r module; do
  [ -n "$module" ] || continue
  insmod "$module" || echo "kumo-init: cannot load $module" >&2
done < ${initrdModuleListPath}

${cmdlineHelper}
root=$(kumo_arg root)
[ -n "$root" ] || root=/dev/vda

if [ "$root" != none ]; then
  # virtio_blk registers its disks while insmod runs; give a slow device node a moment,
  # but only when a virtio block device exists at all.
  tries=0
  while [ ! -b "$root" ] && [ $tries -lt 40 ] && grep -qx 0x0002 /sys/bus/virtio/devices/*/device 2>/dev/null; do
    usleep 50000
    tries=$((tries + 1))
  done
  if [ -b "$root" ] && mount -t ext4 "$root" /newroot; then
    if [ -x /newroot/sbin/init ]; then
      for fs in dev proc sys; do mount -o move /$fs /newroot/$fs; done
      exec switch_root /newroot /sbin/init
    fi
    echo "kumo-init: $root has no /sbin/init; running from the initramfs"
    umount /newroot
  elif [ -b "$root" ]; then
    echo "kumo-init: cannot mount $root; running from the initramfs"
  else
    echo "kumo-init: no $root; running from the initramfs"
  fi
fi
exec /sbin/init
`;

/** Shell function: the instance-id of a NoCloud meta-data file (exported for tests). */
export const metaDataHelper = `# meta_instance_id FILE: instance-id from NoCloud meta-data (YAML, or JSON with one
# key per line); empty when absent or when it has characters outside [A-Za-z0-9._:-].
meta_instance_id() {
  local id
  id=$(sed -n "s/^[[:space:]]*[\\"']\\{0,1\\}instance-id[\\"']\\{0,1\\}[[:space:]]*:[[:space:]]*//p" "$1" 2>/dev/null \\
    | head -n 1 | tr -d "\\"'\\r," | sed 's/[[:space:]]#.*$//; s/[[:space:]]*$//')
  case "$id" in
    ''|*[!A-Za-z0-9._:-]*) id= ;;
  esac
  echo "$id"
}
`;

/** Where the config drive is mounted in the guest. */
export const configDriveMountPoint = '/run/kumo/cidata';

export const configDriveScript = `#!/bin/sh
# NoCloud config drive: find a disk whose ISO 9660 volume id is cidata (or CIDATA),
# mount it read-only at ${configDriveMountPoint}, print KUMO-CONFIG-DRIVE, and run a
# user-data script (#!) once per instance id, in the background, with its output on
# the console followed by KUMO-USER-DATA exit=<status>. Silent without a drive.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mnt=${configDriveMountPoint}

${metaDataHelper}
# virtio_blk registers its disks while insmod runs; give them a moment to show up.
want=$(grep -lx 0x0002 /sys/bus/virtio/devices/*/device 2>/dev/null | wc -l)
tries=0
while [ "$(ls -d /sys/block/vd* 2>/dev/null | wc -l)" -lt "$want" ] && [ $tries -lt 40 ]; do
  usleep 50000
  tries=$((tries + 1))
done

dev=
for sys in /sys/block/vd* /sys/block/sr* /sys/block/sd*; do
  [ -e "$sys" ] || continue
  candidate=/dev/\${sys##*/}
  [ -b "$candidate" ] || continue
  # ISO 9660 primary volume descriptor: "CD001" at byte 32769, volume id at 32808.
  [ "$(dd if="$candidate" bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ] || continue
  label=$(dd if="$candidate" bs=1 skip=32808 count=32 2>/dev/null | tr -d ' ')
  case "$label" in
    cidata|CIDATA) dev=$candidate; break ;;
  esac
done
[ -n "$dev" ] || exit 0

mkdir -p "$mnt"
if ! mount -t iso9660 -o ro "$dev" "$mnt"; then
  echo "kumo: cannot mount the config drive $dev"
  exit 0
fi
id=$(meta_instance_id "$mnt/meta-data")
[ -n "$id" ] && echo "$id" > /run/kumo/instance-id
echo "KUMO-CONFIG-DRIVE instance-id=$id"

# user-data starting with #! is a script (as for cloud-init): run it once per instance.
[ "$(head -c 2 "$mnt/user-data" 2>/dev/null)" = '#!' ] || exit 0
key=\${id:-unknown}
done_file=/var/lib/kumo/user-data.done
if [ "$(cat "$done_file" 2>/dev/null)" = "$key" ]; then
  echo "kumo: user-data already ran for instance $key"
  exit 0
fi
mkdir -p /var/lib/kumo
echo "$key" > "$done_file"
sync  # "once" must hold across a reset too
cp "$mnt/user-data" /run/kumo/user-data
chmod 0700 /run/kumo/user-data
( /run/kumo/user-data; echo "KUMO-USER-DATA exit=$?" ) </dev/null >/dev/console 2>&1 &
exit 0
`;

export const inittab = `# Kumo tiny guest (busybox init)
::sysinit:/etc/init.d/rcS
ttyS0::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/rcK
`;

export const rcScript = `#!/bin/sh
# Kumo tiny guest userland, started by busybox init (same script on the root disk
# and in the initramfs).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
[ -e /proc/self ] || mount -t proc -o nosuid,nodev,noexec proc /proc
[ -d /sys/kernel ] || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts 2>/dev/null
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mkdir -p /run/kumo
ip link set lo up

${cmdlineHelper}
host=$(kumo_arg hostname)
case "$host" in
  ''|-*|*[!A-Za-z0-9.-]*) host=kumo-tiny ;;
esac
host=$(echo "$host" | cut -c1-63)
hostname "$host"
echo "$host" > /etc/hostname
printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t%s\\n' "$host" > /etc/hosts

# Web page for network tests.
mkdir -p /www
echo "$host" > /www/hostname
printf '<!doctype html>\\n<title>%s</title>\\n<h1>kumo tiny guest %s</h1>\\n' "$host" "$host" > /www/index.html
httpd -p 80 -h /www

# ACPI power button (QMP system_powerdown): acpid runs /etc/acpi/PWRF/00000080.
# acpid writes its pid file only after it opened every /dev/input/event*, so wait
# for it: a button press right after KUMO-BOOT-OK must not be lost.
if [ -e /dev/input/event0 ]; then
  acpid -c /etc/acpi -l /run/acpid.log -p /run/acpid.pid
  tries=0
  while [ ! -s /run/acpid.pid ] && [ $tries -lt 100 ]; do usleep 20000; tries=$((tries + 1)); done
fi

# DHCP on eth0 in the background; /etc/udhcpc/default.script applies the lease.
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  udhcpc -f -i eth0 -s /etc/udhcpc/default.script -p /run/udhcpc.eth0.pid \\
    -O mtu -O staticroutes -x hostname:"$host" </dev/null >/run/udhcpc.eth0.log 2>&1 &
fi

# NoCloud config drive: KUMO-CONFIG-DRIVE, then user-data in the background.
/usr/libexec/kumo/config-drive

echo KUMO-BOOT-OK
`;

export const rcShutdownScript = `#!/bin/sh
# Run by busybox init before it kills everything and powers off.
killall -q udhcpc httpd acpid
sync
if grep -q '^/dev/[^ ]* / ' /proc/mounts; then
  mount -o remount,ro / 2>/dev/null
fi
sync
`;

export const udhcpcScript = `#!/bin/sh
# udhcpc event handler. Debian's busybox runs /etc/udhcpc/default.script.
# Environment from udhcpc: interface ip mask(prefix length) broadcast router dns
# domain mtu (option 26) staticroutes (option 121, "net/len gw ...").
[ -n "$interface" ] || exit 1
event=$1
case "$event" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    current=$(ip -4 addr show dev "$interface" | awk '$1 == "inet" { print $2; exit }')
    if [ "$current" != "$ip/$mask" ]; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/$mask" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    fi
    while ip -4 route del default dev "$interface" 2>/dev/null; do :; done
    if [ -n "$staticroutes" ]; then
      # RFC 3442: with classless static routes the router option is ignored.
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = 0.0.0.0 ]; then
          ip route replace "$1" dev "$interface"
        else
          ip route replace "$1" via "$2" dev "$interface"
        fi
        shift 2
      done
    else
      metric=0
      for gw in $router; do
        ip route add default via "$gw" dev "$interface" metric $metric
        metric=$((metric + 1))
      done
    fi
    if [ -n "$dns" ]; then
      {
        [ -n "$domain" ] && echo "search $domain"
        for server in $dns; do echo "nameserver $server"; done
      } > /etc/resolv.conf.new && mv /etc/resolv.conf.new /etc/resolv.conf
    fi
    if [ "$event" = bound ]; then
      echo "KUMO-NET-UP $interface $ip/$mask" > /dev/console
      /usr/libexec/kumo/fetch-instance-id </dev/null >/dev/null 2>&1 &
    fi
    ;;
esac
exit 0
`;

export const fetchInstanceIdScript = `#!/bin/sh
# After a DHCP lease: ask the metadata service for the instance id a few times and
# print it on the serial console. Silent when there is no metadata service.
url=http://169.254.169.254/latest/meta-data/instance-id
tries=0
while [ $tries -lt 5 ]; do
  # Not wget -T: busybox 1.35's wget crashes with it; busybox timeout does the job.
  id=$(timeout 5 wget -q -O - "$url" 2>/dev/null | head -n 1)
  case "$id" in
    ''|*[!A-Za-z0-9._:-]*) ;;
    *)
      echo "$id" > /run/kumo/instance-id
      echo "KUMO-INSTANCE-ID=$id" > /dev/console
      exit 0
      ;;
  esac
  tries=$((tries + 1))
  sleep 2
done
exit 0
`;

export const powerButtonScript = `#!/bin/sh
# acpid runs this on an ACPI power-button press (QMP system_powerdown).
echo "kumo: power button pressed, powering off" > /dev/console
exec poweroff
`;

export const profileScript = `export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root
export PS1='\\h:\\w\\$ '
cd /root 2>/dev/null
`;

export const osRelease = `NAME="Kumo tiny guest"
ID=kumo-tiny
PRETTY_NAME="Kumo tiny test guest (busybox)"
`;

export const passwdFile = 'root:x:0:0:root:/root:/bin/sh\n';
export const groupFile = 'root:x:0:\ntty:x:5:\n';

/** Every script and config text, for the build's input hash. */
export const allGuestTexts: Readonly<Record<string, string>> = {
  initScript, inittab, rcScript, rcShutdownScript, udhcpcScript, fetchInstanceIdScript,
  configDriveScript, powerButtonScript, profileScript, osRelease, passwdFile, groupFile,
};
