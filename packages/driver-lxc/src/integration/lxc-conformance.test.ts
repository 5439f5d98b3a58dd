// The driver conformance suite (@kumo/driver-conformance) against the LXC driver: real unprivileged
// containers of the tiny-ct root file system (busybox init, shell on the console), as root. The
// container has no NIC here (veths on a bridge: lxc-network.test.ts). The save/restore, disk and
// CD-ROM cases are gated by the suite on capabilities the driver does not claim (it refuses them
// as unsupported, which the suite checks); start takes no signal yet, so the start-cancel case is
// not registered.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeDriverConformance } from '@kumo/driver-conformance';
import { LxcDriver, type LxcDriverOptions } from '../lxc-driver.ts';
import { lxcResidue, tinyCtBase, tinyCtSpec } from './lxc-host.ts';

const work = await mkdtemp('/var/tmp/kumo-lxc-conf-');
await chmod(work, 0o711); // mkdtemp's 0700 would keep the containers' mapped root out
const lxcPath = join(work, 'lxc');
const prefix = `i-lxcconf${process.pid % 100000}`;
const opts: LxcDriverOptions = { lxcPath };
const base = await tinyCtBase(work);
const empty = join(work, 'empty-rootfs');

describeDriverConformance<LxcDriver>('lxc', {
  newDriver: async () => new LxcDriver(opts),
  guestSpec: async (name) => tinyCtSpec(`${prefix}-${name}`, name, base),
  failingSpec: async () => {
    await mkdir(empty, { recursive: true }); // no /sbin/init: LXC sets the container up, then its init cannot run
    return { ...tinyCtSpec(`${prefix}-fails`, 'fails', empty) };
  },
  guestPowerOff: async (d, id) => d.consoleWrite(id, Buffer.from('poweroff\n')),
  hostResidue: async () => lxcResidue(lxcPath, prefix, 'kvt'),
  statePath: (name) => join(work, name),
  stateFileExists: async (path) => existsSync(path),
  bootMarker: 'KUMO-BOOT-OK',
  bootTimeoutMs: 20_000,
  answerTimeoutMs: 10_000,
  stopTimeoutSec: 10,
  driverWithoutCapabilities: async () => new LxcDriver({ ...opts, capabilities: [] }),
  cleanup: async () => rm(work, { recursive: true, force: true }),
});
