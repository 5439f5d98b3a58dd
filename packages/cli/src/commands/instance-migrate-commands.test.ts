import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '@kumo/api';
import { migrationProgressLine } from './instance-migrate-commands.ts';

test('a migration progress line shows pass, RAM sent and left, dirty rate and expected downtime', () => {
  const op = {
    progress: 44, status: 'running', message: 'migrating: pre-copy',
    progressDetail: { phase: 'pre-copy', migration: {
      stage: 'pre-copy', pass: 3, ramTransferredBytes: 300 * 1048576, ramRemainingBytes: 12 * 1048576, ramTotalBytes: 256 * 1048576,
      dirtyRateBytesPerSec: 8 * 1048576, expectedDowntimeMs: 94, diskRemainingBytes: 0, throttlePercent: 20,
    } },
  } as unknown as Operation;
  assert.equal(migrationProgressLine(op), ' 44% running: pre-copy pass 3, RAM 300.0 MiB sent, 12.0 MiB left of 256.0 MiB, dirty 8.0 MiB/s, expected downtime 94 ms, throttle 20%');
  assert.equal(migrationProgressLine({ ...op, progressDetail: null } as unknown as Operation), ' 44% running: migrating: pre-copy', 'before the stream: the message');
});
