/**
 * bench/clone: root-disk provisioning time on a DirectoryPool for sparse base images of
 * 100 MiB, 1 GiB and 10 GiB (each with ~6 MiB of real data written by qemu-io).
 * Prints JSON: per image size, the one-time base copy into the pool (from a qcow2 and from a
 * raw cache file), linked-clone latency over --runs runs (target p50 ≤ 100 ms, flat in size),
 * and full-copy latency over --full-runs runs for comparison. A last "dense" image (1 GiB with
 * --dense-mib MiB of real data, default 512) shows what copying costs when there is data to copy.
 *
 *   node --import tsx bench/clone/clone-bench.ts [--runs 20] [--full-runs 3] [--dense-mib 512] [--dir /var/tmp]
 *
 * Needs qemu-img and qemu-io (Debian: qemu-utils).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DirectoryPool, type BaseImage } from '@kumo/storage';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const run = promisify(execFile);
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
};
const runs = Number(arg('runs', '20'));
const fullRuns = Number(arg('full-runs', '3'));
const parent = arg('dir', tmpdir());
const denseMiB = Number(arg('dense-mib', '512'));

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const images = [
  { label: '100MiB', bytes: 100 * MiB, diskGiB: 1, denseMiB: 0 },
  { label: '1GiB', bytes: 1 * GiB, diskGiB: 2, denseMiB: 0 },
  { label: '10GiB', bytes: 10 * GiB, diskGiB: 20, denseMiB: 0 },
  ...(denseMiB > 0 ? [{ label: `1GiB-dense-${denseMiB}MiB`, bytes: 1 * GiB, diskGiB: 2, denseMiB }] : []),
];

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1));
  return { runs: s.length, p50Ms: at(0.5), p90Ms: at(0.9), minMs: at(0), maxMs: at(1) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** ~6 MiB of real data (4 MiB at the start, 1 MiB in the middle, 1 MiB at the end), or `dense` MiB from the start. */
async function dataWrites(path: string, format: 'qcow2' | 'raw', bytes: number, dense: number) {
  const cmds = dense > 0
    ? Array.from({ length: Math.ceil(dense / 64) }, (_, i) => `write -P ${(i % 250) + 1} ${i * 64}M ${Math.min(64, dense - i * 64)}M`)
    : [`write -P 0xab 0 4M`, `write -P 0xcd ${Math.floor(bytes / 2 / MiB)}M 1M`, `write -P 0xef ${bytes / MiB - 1}M 1M`];
  for (const c of cmds) await run('qemu-io', ['-f', format, '-c', c, path]);
}


const dir = await mkdtemp(join(parent, 'kumo-bench-clone-'));
const result: Record<string, unknown> = { runs, fullRuns };
try {
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) floor.push(await timed(() => run('qemu-img', ['--version'])));
  result.qemuImgSpawnFloor = stats(floor);

  const perImage: Record<string, unknown>[] = [];
  for (const img of images) {
    const qcow2Src = join(dir, `src-${img.label}.qcow2`);
    const rawSrc = join(dir, `src-${img.label}.raw`);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2Src, String(img.bytes)]);
    await dataWrites(qcow2Src, 'qcow2', img.bytes, img.denseMiB);
    await run('qemu-img', ['create', '-q', '-f', 'raw', rawSrc, String(img.bytes)]);
    await dataWrites(rawSrc, 'raw', img.bytes, img.denseMiB);

    const pool = new DirectoryPool({ path: join(dir, `pool-${img.label}`) });
    const fromQcow2: BaseImage = { imageVersionId: `imgv-q-${img.label}`, path: qcow2Src, format: 'qcow2' };
    const fromRaw: BaseImage = { imageVersionId: `imgv-r-${img.label}`, path: rawSrc, format: 'raw' };
    const baseCopyQcow2Ms = await timed(() => pool.ensureBase(fromQcow2));
    const baseCopyRawMs = await timed(() => pool.ensureBase(fromRaw));

    const linked: number[] = [];
    for (let i = 0; i < runs; i++) {
      const volumeId = `vol-l-${i}`;
      linked.push(await timed(() => pool.createRootDisk({ volumeId, sizeGiB: img.diskGiB, provisioning: 'linked', base: fromQcow2 })));
      await pool.delete(volumeId);
    }
    const full: number[] = [];
    for (let i = 0; i < fullRuns; i++) {
      const volumeId = `vol-f-${i}`;
      full.push(await timed(() => pool.createRootDisk({ volumeId, sizeGiB: img.diskGiB, provisioning: 'full', base: fromQcow2 })));
      await pool.delete(volumeId);
    }
    const fullFromRaw: number[] = [];
    for (let i = 0; i < fullRuns; i++) {
      const volumeId = `vol-fr-${i}`;
      fullFromRaw.push(await timed(() => pool.createRootDisk({ volumeId, sizeGiB: img.diskGiB, provisioning: 'full', base: fromRaw })));
      await pool.delete(volumeId);
    }
    perImage.push({
      image: img.label, diskGiB: img.diskGiB,
      baseCopyOnceMs: { fromQcow2: Number(baseCopyQcow2Ms.toFixed(1)), fromRawConverted: Number(baseCopyRawMs.toFixed(1)) },
      linkedClone: stats(linked),
      fullCopy: { fromQcow2: stats(full), fromRaw: stats(fullFromRaw) },
    });
    await rm(join(dir, `pool-${img.label}`), { recursive: true, force: true });
    await rm(qcow2Src);
    await rm(rawSrc);
  }
  result.images = perImage;
  const p50s = perImage.filter((_, i) => images[i]?.denseMiB === 0).map((p) => (p.linkedClone as { p50Ms: number }).p50Ms);
  result.linkedCloneP50TargetMet = perImage.every((p) => (p.linkedClone as { p50Ms: number }).p50Ms <= 100);
  /** p50 for the 10 GiB image over p50 for the 100 MiB one: 1.0 is perfectly flat. */
  result.linkedCloneFlatness = Number(((p50s.at(-1) ?? 0) / (p50s[0] || 1)).toFixed(2));
  result.machine = machineReport.finish();
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
