/**
 * QEMU's block layer and device tree as the disk calls see them over QMP, scripted on MockQmp: it
 * keeps user-created devices, objects and named block nodes, answers the queries the driver reads
 * (qom-list, query-named-block-nodes, query-block, query-jobs) and the commands it sends, emits
 * DEVICE_DELETED when the "guest" releases a device and BLOCK_JOB_* for backup jobs. Tests make
 * any command fail (failOn), keep the guest from releasing a device (guestReleases = false) and
 * hold a backup job running (backupHolds = true).
 */
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { MockQmp, event, send, type Cmd } from './mock-qmp.ts';

export interface MockBlockNode { size: number; file?: string }

/** What the mock's screendump writes: PNG signature + IHDR chunk header for 720×400 (enough to check magic and size). */
export const mockScreenPng = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'),
  Buffer.from([0, 0, 0x02, 0xd0, 0, 0, 0x01, 0x90, 8, 2, 0, 0, 0]),
]);

export class MockBlockQemu {
  readonly devices = new Map<string, Record<string, unknown>>();
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly nodes = new Map<string, MockBlockNode>();
  /** The CD-ROM's medium (file name) or null; undefined: the guest has no CD-ROM drive. */
  cdrom: string | null | undefined = undefined;
  /** Commands that answer with a GenericError. */
  readonly failOn = new Set<string>();
  guestReleases = true;
  backupHolds = false;
  private conn: Socket | undefined;
  private backup: { id: string; total: number; done: number } | undefined;
  readonly mock: MockQmp;

  constructor(path: string) {
    this.mock = new MockQmp(path, (cmd, conn) => {
      this.conn = conn;
      this.answer(cmd, conn);
    });
  }

  /** Commands received, without the queries (what the driver changed, in order). */
  changes(): Array<{ execute: string; arguments?: Record<string, unknown> }> {
    const reads = new Set(['qmp_capabilities', 'qom-list', 'query-named-block-nodes', 'query-block', 'query-jobs', 'query-status']);
    return this.mock.received.filter((c) => !reads.has(c.execute)).map((c) => (c.arguments ? { execute: c.execute, arguments: c.arguments } : { execute: c.execute }));
  }

  /** A disk present since boot (as the argv builds it). */
  bootDisk(names: { device: string; throttleGroup: string; filterNode: string; formatNode: string }, size: number): void {
    this.devices.set(names.device, {});
    this.objects.set(names.throttleGroup, {});
    this.nodes.set(names.filterNode, { size });
    this.nodes.set(names.formatNode, { size });
  }

  /** The guest releases devices it was asked to (after a device_del it ignored). */
  release(id: string): void {
    this.devices.delete(id);
    if (this.conn) send(this.conn, event('DEVICE_DELETED', { device: id, path: `/machine/peripheral/${id}` }));
  }

  /** Ends a held backup job (completed). */
  finishBackup(): void {
    const b = this.backup;
    if (!b || !this.conn) return;
    this.backup = undefined;
    send(this.conn, event('BLOCK_JOB_COMPLETED', { device: b.id, type: 'backup', len: b.total, offset: b.total, speed: 0 }));
  }

  private answer(cmd: Cmd, conn: Socket): void {
    const a = cmd.arguments ?? {};
    const ok = (ret: unknown = {}): void => send(conn, { return: ret, id: cmd.id });
    const fail = (desc: string): void => send(conn, { error: { class: 'GenericError', desc }, id: cmd.id });
    if (this.failOn.has(cmd.execute)) { fail(`${cmd.execute} failed (injected)`); return; }
    switch (cmd.execute) {
      case 'query-status': ok({ status: 'running', running: true }); return;
      case 'qom-list': {
        const from = a['path'] === '/objects' ? this.objects : this.devices;
        ok([...from.keys()].map((name) => ({ name, type: 'child<x>' })));
        return;
      }
      case 'query-named-block-nodes':
        ok([...this.nodes].map(([name, n]) => ({ 'node-name': name, image: { 'virtual-size': n.size } })));
        return;
      case 'object-add':
        if (this.objects.has(String(a['id']))) { fail(`attempt to add duplicate property '${String(a['id'])}'`); return; }
        this.objects.set(String(a['id']), a);
        ok();
        return;
      case 'object-del': this.objects.delete(String(a['id'])); ok(); return;
      case 'blockdev-add': this.addNodes(a); ok(); return;
      case 'blockdev-del': {
        const name = String(a['node-name']);
        for (const k of [...this.nodes.keys()]) if (k === name || k.slice(2) === name.slice(2)) this.nodes.delete(k);
        ok();
        return;
      }
      case 'device_add':
        if (this.devices.has(String(a['id']))) { fail(`Duplicate device ID '${String(a['id'])}'`); return; }
        this.devices.set(String(a['id']), a);
        ok();
        return;
      case 'device_del': {
        const id = String(a['id']);
        if (!this.devices.has(id)) { fail(`Device '${id}' not found`); return; }
        ok();
        if (this.guestReleases) setTimeout(() => this.release(id), 10);
        return;
      }
      case 'block_resize': {
        const name = String(a['node-name']);
        for (const [k, n] of this.nodes) if (k.slice(2) === name.slice(2)) n.size = Number(a['size']);
        ok();
        return;
      }
      case 'qom-set': {
        const id = String(a['path']).replace('/objects/', '');
        const o = this.objects.get(id);
        if (!o) { fail(`Device '${String(a['path'])}' not found`); return; }
        o['limits'] = a['value'];
        ok();
        return;
      }
      case 'query-block':
        ok(this.cdrom === undefined ? [] : [{ qdev: 'cdrom0', removable: true, ...(this.cdrom ? { inserted: { file: this.cdrom } } : {}) }]);
        return;
      case 'blockdev-change-medium': this.cdrom = String(a['filename']); ok(); return;
      case 'blockdev-open-tray': case 'blockdev-close-tray': ok(); return;
      case 'blockdev-remove-medium': this.cdrom = null; ok(); return;
      case 'blockdev-backup': {
        const source = this.nodes.get(String(a['device']));
        if (!source) { fail(`Cannot find device='${String(a['device'])}' nor node-name`); return; }
        this.backup = { id: String(a['job-id']), total: source.size, done: 0 };
        ok();
        if (!this.backupHolds) setTimeout(() => this.finishBackup(), 30);
        return;
      }
      case 'query-jobs': {
        const b = this.backup;
        if (b) b.done = Math.min(b.total, b.done + b.total / 4);
        ok(b ? [{ id: b.id, type: 'backup', status: 'running', 'current-progress': b.done, 'total-progress': b.total }] : []);
        return;
      }
      case 'job-cancel': {
        const b = this.backup;
        this.backup = undefined;
        ok();
        if (b) send(conn, event('BLOCK_JOB_CANCELLED', { device: b.id, type: 'backup', len: b.total, offset: b.done, speed: 0 }));
        return;
      }
      case 'screendump':
        // A real screendump writes the PNG itself; the mock writes a PNG signature and an IHDR of 720×400.
        writeFileSync(String(a['filename']), mockScreenPng);
        ok();
        return;
      default:
        fail(`The command ${cmd.execute} has not been found`);
    }
  }

  private addNodes(spec: Record<string, unknown>): void {
    let s: Record<string, unknown> | undefined = spec;
    while (s && typeof s === 'object') {
      const name = s['node-name'];
      if (typeof name === 'string') this.nodes.set(name, { size: 16 * 1024 * 1024, ...(typeof s['filename'] === 'string' ? { file: s['filename'] } : {}) });
      s = s['file'] as Record<string, unknown> | undefined;
    }
  }
}
