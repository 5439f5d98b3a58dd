import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  planVolumeStep, volumeDesiredStates, volumePhaseAfterStep, volumePhases, volumeTaskForStep,
  type VolumeDesiredState, type VolumePhase, type VolumeStepInput,
} from './volume-lifecycle.ts';

/** Every (desired, phase, operation pending) combination: the step it plans and where following it ends. */
test('planVolumeStep gives a definite answer and converges from every combination', () => {
  const expected: Record<VolumeDesiredState, VolumePhase> = { ready: 'ready', deleted: 'deleted' };
  let combinations = 0;
  for (const desired of volumeDesiredStates) {
    for (const phase of volumePhases) {
      for (const operationPending of [false, true]) {
        combinations++;
        let s: VolumeStepInput = { desired, phase, operationPending };
        let steps = 0;
        for (;;) {
          const step = planVolumeStep(s);
          if (step === 'none') break;
          assert.ok(volumeTaskForStep[step].length > 0);
          steps++;
          assert.ok(steps <= 1, `one step is always enough: ${JSON.stringify(s)}`);
          s = { ...s, phase: volumePhaseAfterStep[step] };
        }
        if (phase === 'deleted') { assert.equal(s.phase, 'deleted', 'a deleted volume stays deleted'); continue; }
        if (phase === 'error' && desired === 'ready' && !operationPending) { assert.equal(s.phase, 'error', 'an error waits for a new request'); continue; }
        assert.equal(s.phase, expected[desired], `${desired}/${phase}/${operationPending}`);
      }
    }
  }
  assert.equal(combinations, volumeDesiredStates.length * volumePhases.length * 2);
});

test('a new volume is created; an error is retried only when asked again; delete wins over everything', () => {
  assert.equal(planVolumeStep({ desired: 'ready', phase: 'pending', operationPending: false }), 'create');
  assert.equal(planVolumeStep({ desired: 'ready', phase: 'error', operationPending: false }), 'none');
  assert.equal(planVolumeStep({ desired: 'ready', phase: 'error', operationPending: true }), 'create');
  for (const phase of ['pending', 'ready', 'error'] as const) assert.equal(planVolumeStep({ desired: 'deleted', phase, operationPending: false }), 'delete');
});
