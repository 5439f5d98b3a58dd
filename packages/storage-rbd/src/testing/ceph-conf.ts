/**
 * The ceph.conf of a single-node test cluster (PLATFORM.md §7): one monitor, one BlueStore OSD on
 * a sparse file, pool size 1, everything under one directory, bound to one address of this
 * machine. `admin socket` and `pid file` only in daemon sections: in [global] every client
 * (QEMU too) would fight over one socket.
 */
export interface CephConfInput {
  dir: string;
  fsid: string;
  address: string;
  monPort: number;
  /** Size of the OSD's sparse block file. */
  osdBytes: number;
}

export function renderCephConf(c: CephConfInput): string {
  const d = c.dir;
  return `[global]
fsid = ${c.fsid}
mon initial members = a
mon host = v2:${c.address}:${c.monPort}
public addr = ${c.address}
cluster addr = ${c.address}
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = ${d}/ceph.client.admin.keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon mgr mkfs grace = 86400
log file = ${d}/log/$name.log
run dir = ${d}/run
log to stderr = false
err to stderr = false

[mon]
mon data = ${d}/mon/$cluster-$id
admin socket = ${d}/run/$name.asok
pid file = ${d}/run/$name.pid

[osd]
osd data = ${d}/osd/$cluster-$id
keyring = ${d}/osd/$cluster-$id/keyring
osd objectstore = bluestore
bluestore block create = true
bluestore block size = ${c.osdBytes}
osd memory target = 939524096
admin socket = ${d}/run/$name.asok
pid file = ${d}/run/$name.pid
`;
}
