/** Polling helpers for the real-QEMU tests: wait for a condition or for console output. */
import { waitFor } from '@kumo/driver-conformance';
import type { QemuDriver } from '../qemu-driver.ts';

export { waitFor };

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** How often needle appears in the instance's console log. */
export async function consoleCount(d: QemuDriver, id: string, needle: string): Promise<number> {
  return count((await d.consoleLog(id)).toString('latin1'), needle);
}

/** Resolves with the count once needle appears at least atLeast times on the console. */
export function waitConsole(d: QemuDriver, id: string, needle: string, atLeast: number, timeoutMs: number): Promise<number> {
  return waitFor(`${atLeast}× "${needle}" on the console of ${id}`, async () => {
    const n = await consoleCount(d, id, needle);
    return n >= atLeast ? n : undefined;
  }, timeoutMs);
}
