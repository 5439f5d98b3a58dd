/**
 * The HA tests' writer log: lines "<boot id> <n>" a guest appended to its disk (n = 1, 2, … per
 * boot). One writer at a time leaves runs of one boot each, in order, n consecutive from 1; two
 * copies of the guest writing at once leave a boot's lines after another boot's, gaps, or garbage.
 */
export interface WriterRun { boot: string; first: number; last: number; count: number }

export function parseWriterLog(text: string): WriterRun[] {
  const runs: WriterRun[] = [];
  const lines = text.split(/\r?\n/).map((l) => l.replace(/\r/g, '').trim()).filter((l) => l !== '');
  for (const [i, line] of lines.entries()) {
    const m = /^([0-9a-f]{8}) (\d+)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not "<boot> <n>": ${JSON.stringify(line)}`);
    const boot = m[1]!; const n = Number(m[2]);
    const run = runs.at(-1);
    if (run?.boot === boot) {
      if (n !== run.last + 1) throw new Error(`line ${i + 1}: boot ${boot} wrote ${n} after ${run.last}`);
      run.last = n; run.count++;
      continue;
    }
    if (runs.some((r) => r.boot === boot)) throw new Error(`line ${i + 1}: boot ${boot} writes again after boot ${run!.boot}: two writers interleaved`);
    if (n !== 1) throw new Error(`line ${i + 1}: boot ${boot} starts at ${n}, not 1`);
    runs.push({ boot, first: n, last: n, count: 1 });
  }
  return runs;
}
