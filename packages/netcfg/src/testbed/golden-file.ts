/**
 * Golden-file tests: testdata/<case>.json is the input, testdata/<case>.<ext> the
 * expected output. Run with UPDATE_GOLDEN=1 to (re)write the expected files, then
 * review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TESTDATA_DIR = fileURLToPath(new URL('../../testdata/', import.meta.url));

export interface GoldenCase {
  /** File stem, e.g. "router-basic". */
  name: string;
  input: unknown;
  expectedPath: string;
}

/** Every testdata/<prefix>-*.json case, with the path of its expected .<ext> file. */
export function goldenCases(prefix: string, ext: string, dir: string = TESTDATA_DIR): GoldenCase[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.json'.length);
      return { name, input: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown, expectedPath: join(dir, `${name}.${ext}`) };
    });
}

/** Compares with the golden file, or writes it when UPDATE_GOLDEN=1. */
export function assertGolden(actual: string, expectedPath: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(expectedPath, actual);
    return;
  }
  if (!existsSync(expectedPath)) {
    assert.fail(`golden file ${expectedPath} is missing; run the test with UPDATE_GOLDEN=1 to create it, then review it`);
  }
  assert.equal(actual, readFileSync(expectedPath, 'utf8'), `output differs from ${expectedPath} (UPDATE_GOLDEN=1 rewrites it)`);
}
