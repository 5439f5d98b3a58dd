/**
 * The disk side of the real-QEMU conformance harness: disk files and ISOs on the host, the tiny
 * guest's own view of its disks (/sys/block read through its serial console), writes from inside
 * the guest, backups compared with qemu-img, and the CD-ROM medium QEMU really has open.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DiskHarness } from '@kumo/driver-conformance';
import type { QemuDriver } from '../qemu-driver.ts';
import { waitFor } from './console-wait.ts';

const run = promisify(execFile);
let seq = 0;

/**
 * Types `cmd` into the guest's console followed by an end marker, and returns what the guest
 * printed between the command and the marker. The marker is computed by the guest ($((…))), so the
 * echo of the typed line never matches it.
 */
export async function consoleRun(d: QemuDriver, id: string, cmd: string, timeoutMs: number): Promise<string> {
  const n = ++seq;
  const end = `KUMO-END-${n}-42`;
  const before = (await d.consoleLog(id)).toString('latin1').length;
  await d.consoleWrite(id, Buffer.from(`${cmd}; echo KUMO-END-${n}-$((6*7))\n`));
  return waitFor(`the guest to answer ${JSON.stringify(cmd)}`, async () => {
    const out = (await d.consoleLog(id)).toString('latin1');
    const tail = out.length >= before ? out.slice(before) : out; // the log may have rotated
    const at = tail.indexOf(end);
    return at >= 0 ? tail.slice(0, at) : undefined;
  }, timeoutMs);
}

export function qemuDiskHarness(work: string, answerTimeoutMs: number): DiskHarness<QemuDriver> {
  const disks = join(work, 'disks');
  const backups = join(work, 'backups');
  return {
    dataDisk: async (name, sizeBytes, pciSlot) => {
      await mkdir(disks, { recursive: true });
      await mkdir(backups, { recursive: true });
      const path = join(disks, `${name}.qcow2`);
      await rm(path, { force: true });
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
      return { volumeId: `vol-${name}`, path, format: 'qcow2', pciSlot, serial: `vol-${name}` };
    },
    guestDisks: async (d, id) => {
      const out = await consoleRun(d, id, 'for b in /sys/block/vd*; do echo "GD $(cat $b/serial) $(cat $b/size) DG"; done', answerTimeoutMs);
      return [...out.matchAll(/GD (\S+) (\d+) DG/g)].map((m) => ({ serial: m[1] ?? '', sizeBytes: Number(m[2]) * 512 }));
    },
    writeFromGuest: async (d, id, serial, text) => {
      const out = await consoleRun(d, id,
        `for b in /sys/block/vd*; do [ "$(cat $b/serial)" = ${serial} ] && echo ${text} > /dev/\${b##*/} && echo WROTE-\${b##*/}; done; sync`, answerTimeoutMs);
      if (!/WROTE-vd[a-z]+/.test(out.replace(/WROTE-\$\{b/g, ''))) throw new Error(`the guest found no disk with serial ${serial}: ${out}`);
    },
    backupStartsWith: async (path, text) => {
      const raw = `${path}.raw`;
      await run('qemu-img', ['convert', '-O', 'raw', path, raw]);
      const head = (await readFile(raw)).subarray(0, text.length).toString('latin1');
      await rm(raw, { force: true });
      return head === text;
    },
    backupMatches: (disk, path) => run('qemu-img', ['compare', '-f', disk.format, '-F', 'qcow2', disk.path, path]).then(() => true, () => false),
    backupPath: (name) => join(backups, name),
    fileExists: async (path) => existsSync(path),
    iso: async (name) => {
      const src = join(work, `${name}-iso-src`);
      await mkdir(src, { recursive: true });
      await writeFile(join(src, 'README'), `kumo test medium ${name}\n`);
      const path = join(work, `${name}.iso`);
      await run('genisoimage', ['-quiet', '-V', name.toUpperCase().slice(0, 16), '-o', path, src]);
      return { path, imageVersionId: `imgv-${name}` };
    },
    cdromMedium: async (d, id) => {
      const pid = d.pidOf(id);
      if (pid === undefined) throw new Error(`${id} has no QEMU`);
      const open = await Promise.all((await readdir(`/proc/${pid}/fd`)).map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
      const isos = [...new Set(open.filter((f) => f.endsWith('.iso') && f.startsWith(work)))];
      if (isos.length > 1) throw new Error(`QEMU has more than one ISO open: ${isos.join(', ')}`);
      return isos[0] ?? null;
    },
  };
}
