import assert from 'node:assert/strict';
import { DriverError } from '@kumo/core';

/** Asserts that `p` rejects with a DriverError of `code` whose message mentions `includes`. */
export async function rejectsWith(p: Promise<unknown>, code: DriverError['code'], includes: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DriverError, String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(includes), `${err.message} should mention ${includes}`);
    return true;
  });
}
