/**
 * bench/storage: storage pools on a directory and on Ceph RBD (a real single-node test cluster).
 *
 * 1. "Volume from a 10 GiB image ≤ 0.1 s, flat in size": root-disk creation (linked clone on a
 *    directory pool, layered RBD clone on an RBD pool) from sparse qcow2 images of 1, 5 and
 *    10 GiB, each with ~6 MiB of data; the one-time base import is reported apart.
 * 2. "Snapshot throughput of a 1 GiB volume with data ≥ 80 % of `qemu-img convert` of the same
 *    data", side by side in one run, runs alternated: the pool's export (what a snapshot to the
 *    image store copies), the agent's whole snapshot job (export + sha256 + upload to a stub
 *    image store on loopback), and on RBD the snapshot itself and `rbd export` for comparison.
 *
 *   node --import tsx bench/storage/storage-bench.ts [--runs 10] [--snapshot-runs 3] [--dir /var/tmp]
 *
 * Uses the cluster in KUMO_TEST_CEPH_CONF when set, else starts (and removes) its own.
 * Needs qemu-img, qemu-io, the rbd/ceph CLIs and the ceph daemons (Debian packages).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QemuVolumeManager, SnapshotUploader } from '@kumo/agent';
import { startStubImageStore } from '@kumo/agent/testing';
import { DirectoryPool, ImageCache, type BaseImage, type StoragePool } from '@kumo/storage';
import { RbdPool } from '@kumo/storage-rbd';
import { useTestCephCluster } from '@kumo/storage-rbd/testing';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const run = promisify(execFile);
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
};
const runs = Number(arg('runs', '10'));
const snapshotRuns = Number(arg('snapshot-runs', '3'));
const parent = arg('dir', tmpdir());
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1));
  return { runs: s.length, p50Ms: at(0.5), p90Ms: at(0.9), minMs: at(0), maxMs: at(1) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
const mibPerSec = (bytes: number, ms: number) => Number(((bytes / MiB) / (ms / 1000)).toFixed(1));

const dir = await mkdtemp(join(parent, 'kumo-bench-storage-'));
const ceph = await useTestCephCluster();
const store = await startStubImageStore('bench-token', { keepBytes: false });
const result: Record<string, unknown> = { runs, snapshotRuns, sharedCephCluster: !ceph.own };
const tag = `b${process.pid}`;
const rbdArgs = ['-c', ceph.conf, '--id', ceph.user, '-p', ceph.pool];
try {
  const dirPool = new DirectoryPool({ path: join(dir, 'pool') });
  const rbdPool = new RbdPool({ pool: ceph.pool, user: ceph.user, cephConf: ceph.conf });
  const pools: Array<[string, StoragePool]> = [['directory', dirPool], ['rbd', rbdPool]];

  // Floors: what starting the programs costs at all.
  const floors: Record<string, unknown> = {};
  floors.qemuImgVersion = stats(await Promise.all([0, 1, 2, 3, 4].map(() => timed(() => run('qemu-img', ['--version'])))));
  const rbdInfo: number[] = [];
  for (let i = 0; i < 5; i++) rbdInfo.push(await timed(() => run('rbd', [...rbdArgs, 'ls']).catch(() => undefined)));
  floors.rbdLsRoundTrip = stats(rbdInfo);
  result.floors = floors;

  // ---- 1. volume from an image, flat in size ----
  const clones: Record<string, unknown>[] = [];
  for (const sizeGiB of [1, 5, 10]) {
    const src = join(dir, `src-${sizeGiB}.qcow2`);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', src, `${sizeGiB}G`]);
    for (const c of ['write -P 0xab 0 4M', `write -P 0xcd ${sizeGiB * 512}M 1M`, `write -P 0xef ${sizeGiB * 1024 - 1}M 1M`]) await run('qemu-io', ['-f', 'qcow2', '-c', c, src]);
    const base: BaseImage = { imageVersionId: `imgv-${tag}-${sizeGiB}`, path: src, format: 'qcow2' };
    const row: Record<string, unknown> = { imageGiB: sizeGiB };
    for (const [name, pool] of pools) {
      const first = `vol-${tag}-${name}-${sizeGiB}-first`;
      const firstMs = await timed(() => pool.createVolume({ volumeId: first, sizeGiB: sizeGiB * 2, source: { kind: 'image', base, provisioning: 'linked' } }));
      await pool.deleteVolume(first);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const id = `vol-${tag}-${name}-${sizeGiB}-${i}`;
        ms.push(await timed(() => pool.createVolume({ volumeId: id, sizeGiB: sizeGiB * 2, source: { kind: 'image', base, provisioning: 'linked' } })));
        await pool.deleteVolume(id);
      }
      row[name] = { firstWithBaseImportMs: Number(firstMs.toFixed(1)), clone: stats(ms) };
    }
    clones.push(row);
  }
  const p50 = (row: Record<string, unknown> | undefined, pool: string) => ((row?.[pool] as { clone: { p50Ms: number } } | undefined)?.clone.p50Ms ?? 0);
  result.volumeFromImage = {
    target: 'p50 <= 100 ms, flat in size',
    perImage: clones,
    flatness10vs1: { directory: Number((p50(clones[2], 'directory') / p50(clones[0], 'directory')).toFixed(2)), rbd: Number((p50(clones[2], 'rbd') / p50(clones[0], 'rbd')).toFixed(2)) },
  };

  // ---- 2. snapshot throughput of a 1 GiB volume with data ----
  const cache = new ImageCache({ dir: join(dir, 'cache') });
  const manager = new QemuVolumeManager(cache, join(dir, 'pool'), { uploader: new SnapshotUploader(store.url, () => 'bench-token'), workDir: join(dir, 'tmp') });
  const fill = async (spec: string, format: 'qcow2' | 'raw') => {
    for (let i = 0; i < 16; i++) await run('qemu-io', ['-f', format, '-c', `write -P ${(i % 250) + 1} ${i * 64}M 64M`, spec]);
  };
  const snapshots: Record<string, unknown> = {};
  for (const [name, pool] of pools) {
    const vol = `vol-${tag}-${name}-snap`;
    const access = await pool.createVolume({ volumeId: vol, sizeGiB: 1, source: { kind: 'blank' } });
    const spec = name === 'rbd' ? `rbd:${ceph.pool}/${vol}:id=${ceph.user}:conf=${ceph.conf}` : access.path;
    await fill(spec, access.format);
    const ref = name === 'rbd' ? { kind: 'rbd' as const, pool: ceph.pool, user: ceph.user, cephConf: ceph.conf } : { kind: 'directory' as const, path: join(dir, 'pool') };
    const m: Record<string, number[]> = { qemuImgConvert: [], poolExport: [], agentSnapshotJob: [], ...(name === 'rbd' ? { rbdSnapshot: [], rbdExportCli: [] } : {}) };
    for (let i = 0; i < snapshotRuns; i++) {
      const out = join(dir, `out-${name}-${i}.qcow2`);
      m.qemuImgConvert?.push(await timed(() => run('qemu-img', ['convert', '-f', access.format, '-O', 'qcow2', spec, out])));
      await rm(out, { force: true });
      m.poolExport?.push(await timed(() => pool.exportVolume(vol, { path: out, format: 'qcow2', durable: false })));
      await rm(out, { force: true });
      m.agentSnapshotJob?.push(await timed(() => manager.snapshot({ volumeId: vol, snapshotId: `snap-${tag}-${name}-${i}`, pool: ref, instanceId: '', target: { kind: 'image-store', uploadPath: `/api/v1/snapshots/${name}-${i}/file` } })));
      store.uploads.clear();
      if (name === 'rbd') {
        const snap = `snap-${tag}-${i}`;
        m.rbdSnapshot?.push(await timed(() => pool.createSnapshot(vol, snap)));
        m.rbdExportCli?.push(await timed(() => run('rbd', [...rbdArgs, 'export', '--no-progress', `${vol}@${snap}`, out])));
        await rm(out, { force: true });
        await pool.deleteSnapshot(vol, snap);
      }
    }
    const sample = join(dir, `sample-${name}.qcow2`);
    await pool.exportVolume(vol, { path: sample, format: 'qcow2' });
    const base = median(m.qemuImgConvert ?? []);
    snapshots[name] = {
      dataMiB: 1024, exportedFileMiB: Number(((await stat(sample)).size / MiB).toFixed(1)),
      ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ...stats(v), mibPerSec: mibPerSec(GiB, median(v)), ofQemuImgConvert: Number((base / median(v)).toFixed(2)) }])),
    };
    await pool.deleteVolume(vol);
  }
  result.snapshotThroughput = { target: 'snapshot >= 80 % of qemu-img convert MiB/s', ...snapshots };
  result.machine = machineReport.finish();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  // The bases this run imported (a shared cluster outlives the bench).
  for (const image of (await run('rbd', [...rbdArgs, 'ls']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter((n) => n.startsWith(`kumo-base.imgv-${tag}-`))) {
    await run('rbd', [...rbdArgs, 'snap', 'unprotect', `${image}@kumo-base`]).catch(() => undefined);
    await run('rbd', [...rbdArgs, 'snap', 'purge', image]).catch(() => undefined);
    await run('rbd', [...rbdArgs, 'rm', image]).catch(() => undefined);
  }
  await store.close();
  await ceph.release();
  await rm(dir, { recursive: true, force: true });
}
