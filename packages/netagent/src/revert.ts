/**
 * Undo steps registered while a multi-step host change proceeds (after incus'
 * shared/revert): on failure they run in reverse order, on success they are dropped.
 *
 *   const revert = new Revert();
 *   try { await addBridge(); revert.add('delete bridge', delBridge); ...; revert.success(); }
 *   catch (e) { await revert.fail(); throw e; }
 */
export type UndoStep = () => Promise<unknown> | void;

export class Revert {
  private steps: { what: string; undo: UndoStep }[] = [];
  /** Messages of undo steps that failed themselves (best effort continues). */
  readonly undoErrors: string[] = [];

  add(what: string, undo: UndoStep): void {
    this.steps.push({ what, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** The change succeeded: keep it. */
  success(): void {
    this.steps = [];
  }

  /** Runs the undo steps, newest first; never throws. */
  async fail(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (const { what, undo } of steps) {
      try {
        await undo();
      } catch (e) {
        this.undoErrors.push(`${what}: ${(e as Error).message}`);
      }
    }
  }
}

/** Runs `fn` with a Revert; on a throw, reverts and rethrows. */
export async function withRevert<T>(fn: (revert: Revert) => Promise<T>, onUndoErrors?: (errors: string[]) => void): Promise<T> {
  const revert = new Revert();
  try {
    const result = await fn(revert);
    revert.success();
    return result;
  } catch (e) {
    await revert.fail();
    if (revert.undoErrors.length > 0) onUndoErrors?.(revert.undoErrors);
    throw e;
  }
}
