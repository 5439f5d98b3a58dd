/**
 * Does KVM really run guests on this host?
 *
 * /dev/kvm existing (or even QMP `query-kvm` saying enabled+present) is not enough:
 * on nested or paravirtualised hosts the device opens and QEMU starts, but guests
 * hang without executing past the firmware. So the probe boots a 64 KiB firmware
 * (kvm-probe-rom.S) that goes from the reset vector through protected mode into
 * long mode with paging and then asks QEMU to exit with status 85 through an
 * isa-debug-exit device. Exit 85 within the time limit = KVM works. Anything else
 * (no /dev/kvm, permission denied, QEMU error, hang) = use TCG.
 * The same firmware under TCG exits in ~60 ms, which the tests check.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROM_CODE =
  'fa2e660f0116b8000f20c06683c8010f22c066ea1a00ffff080066b810008ed88ec08ed0bf0010000031c0b9000c0000' +
  'fcf3abc7050010000003200000c7051820000003300000c705f83f00008300e0ffb8001000000f22d80f20e083c8200f' +
  '22e0b9800000c00f320d000100000f300f20c00d000000800f22c0ea8200ffff180048b8000000002a00000048c1e820' +
  'e6f4f4ebfd8d74000000000000000000ffff0000009acf00ffff00000092cf00ffff0000009aaf001f009800ffff0000';
/** `jmp 0x0000` at the reset vector F000:FFF0. */
const RESET_JUMP = 'e90d00';
const PROBE_EXIT_STATUS = 85;

/** The 64 KiB probe firmware; unused bytes are `hlt`. */
export function kvmProbeRom(): Buffer {
  const rom = Buffer.alloc(65536, 0xf4);
  Buffer.from(ROM_CODE, 'hex').copy(rom, 0);
  Buffer.from(RESET_JUMP, 'hex').copy(rom, 0xfff0);
  return rom;
}

export interface ProbeOptions {
  qemuBinary?: string;
  /** Default 1500 ms; a working accelerator finishes in ~0.1 s. */
  timeoutMs?: number;
}

export interface ProbeResult {
  ok: boolean;
  /** Why it failed (or 'guest code ran' on success). */
  detail: string;
  elapsedMs: number;
}

/** Boot the probe firmware with the given accelerator. */
export async function runAcceleratorProbe(accel: 'kvm' | 'tcg', opts: ProbeOptions = {}): Promise<ProbeResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 1500;
  const dir = await mkdtemp(join(tmpdir(), 'kumo-kvm-probe-'));
  try {
    const romPath = join(dir, 'probe.rom');
    await writeFile(romPath, kvmProbeRom());
    const child = spawn(opts.qemuBinary ?? 'qemu-system-x86_64', [
      '-accel', accel, '-machine', 'pc', '-nodefaults', '-no-user-config', '-display', 'none',
      '-m', '16', '-bios', romPath, '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(timer);
    const elapsedMs = Date.now() - started;
    if (result.error) return { ok: false, detail: result.error.message, elapsedMs };
    if (result.code === PROBE_EXIT_STATUS) return { ok: true, detail: 'guest code ran', elapsedMs };
    if (result.signal === 'SIGKILL') return { ok: false, detail: `guest did not finish within ${timeoutMs} ms (hangs)`, elapsedMs };
    const last = stderr.trim().split('\n').pop() ?? '';
    return { ok: false, detail: `qemu exited with ${result.code ?? result.signal}: ${last}`, elapsedMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface AcceleratorDetection {
  accel: 'kvm' | 'tcg';
  detail: string;
}

/** Why KVM was (not) chosen, for logs and host facts. */
export async function probeAccelerator(opts: ProbeOptions & { kvmDevice?: string } = {}): Promise<AcceleratorDetection> {
  const dev = opts.kvmDevice ?? '/dev/kvm';
  try {
    await access(dev, constants.R_OK | constants.W_OK);
  } catch (err) {
    return { accel: 'tcg', detail: `${dev} not usable: ${(err as Error).message}` };
  }
  const r = await runAcceleratorProbe('kvm', opts);
  return r.ok
    ? { accel: 'kvm', detail: `KVM probe guest ran in ${r.elapsedMs} ms` }
    : { accel: 'tcg', detail: `KVM probe failed: ${r.detail}` };
}

/** 'kvm' only if a KVM guest really executes code here, else 'tcg'. */
export async function detectAccelerator(opts: ProbeOptions & { kvmDevice?: string } = {}): Promise<'kvm' | 'tcg'> {
  return (await probeAccelerator(opts)).accel;
}
