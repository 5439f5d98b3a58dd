// What machine a benchmark ran on, so a figure from another machine can be read as a ratio.
// Every bench prints `machine` in its JSON: CPU model, cores, memory, kernel, Node, the load average
// before and after the run, and the time of a fixed single-threaded calibration workload measured
// before and after (best of three each). Divide a figure by `calibration.ms` of its run to compare
// runs across machines; a calibration that differs between before and after says the machine's
// speed changed during the run (other work, thermal limits).
import { createHash } from 'node:crypto';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Calibration {
  workload: string;
  /** Best of three runs, milliseconds. */
  ms: number;
  runsMs: number[];
}

export interface MachineReport {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  calibrationBefore: Calibration;
  calibrationAfter: Calibration;
}

export const calibrationWorkload = 'sha256 of 16 MiB + JSON round trip of 20,000 objects + sort of 200,000 numbers';

/** The fixed workload; returns a value derived from the work so nothing can be optimised away. */
export function runCalibrationWorkload(): number {
  const buf = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 0xff;
  const digest = createHash('sha256').update(buf).digest();
  const objects = Array.from({ length: 20_000 }, (_, i) => ({ id: `i-${i}`, n: i, tags: ['a', 'b'], ok: i % 2 === 0 }));
  const back = JSON.parse(JSON.stringify(objects)) as typeof objects;
  let x = 12345;
  const nums = Array.from({ length: 200_000 }, () => { x = (x * 1103515245 + 12345) % 2147483648; return x; });
  nums.sort((a, b) => a - b);
  return digest[0]! + back.length + (nums[0] ?? 0);
}

export function calibrate(runs = 3, now: () => number = () => performance.now()): Calibration {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    runCalibrationWorkload();
    runsMs.push(Math.round((now() - t) * 10) / 10);
  }
  return { workload: calibrationWorkload, ms: Math.min(...runsMs), runsMs };
}

function load(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round2(a ?? 0), round2(b ?? 0), round2(c ?? 0)];
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface MachineReportRecorder {
  /** Measures the "after" half and returns the whole report. */
  finish(): MachineReport;
}

/** Call at the start of a bench (it runs the calibration then); call finish() at the end. */
export function startMachineReport(): MachineReportRecorder {
  const loadBefore = load();
  const calibrationBefore = calibrate();
  const cpu = cpus();
  return {
    finish: () => ({
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: round2(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      loadBefore,
      loadAfter: load(),
      calibrationBefore,
      calibrationAfter: calibrate(),
    }),
  };
}
