import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionRules, checkInstanceAction, desiredStates, instanceActions, phaseAfterStep, phases, planStep, tasks,
  type DesiredState, type Phase, type StepInput,
} from './index.ts';

test('every action in every phase, idle or busy, gets a definite answer', () => {
  for (const phase of phases) {
    for (const task of [null, ...tasks]) {
      for (const action of instanceActions) {
        const r = checkInstanceAction(phase, task, action);
        const rule = actionRules[action];
        const allowed = rule.from.includes(phase) && (task === null || rule.preempts);
        assert.equal(r.ok, allowed, `${action} in ${phase}/${task}`);
        if (!r.ok) {
          assert.ok(r.reason.length > 10);
          assert.equal(r.code, task !== null && !rule.preempts ? 'instance_busy' : 'invalid_state');
        }
      }
    }
  }
});

test('invalid-state reasons name the action and the allowed phases', () => {
  const r = checkInstanceAction('stopped', null, 'pause');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.reason, 'cannot pause an instance that is stopped; pause is allowed when running');
});

test('nothing can be done to a deleted instance', () => {
  for (const action of instanceActions) assert.equal(checkInstanceAction('deleted', null, action).ok, false);
});

/** From any state, following planStep converges on the desired state in at most 4 steps. */
test('planStep converges from every (desired, phase, host) combination', () => {
  const expected: Record<DesiredState, Phase[]> = {
    running: ['running'],
    stopped: ['stopped'],
    paused: ['paused', 'stopped', 'saved'], // a stopped instance is not started just to pause it
    saved: ['saved', 'stopped', 'paused'], // only a running instance is saved
    deleted: ['deleted'],
  };
  for (const desired of desiredStates) {
    for (const phase of phases) {
      for (const hostId of [null, 'host-1']) {
        for (const [rebootRequested, operationPending] of [[false, false], [true, true], [false, true]] as const) {
          let s: StepInput = { desired, phase, hostId, rebootRequested, operationPending };
          let steps = 0;
          for (;;) {
            const step = planStep(s);
            if (step === 'none') break;
            steps++;
            assert.ok(steps <= 4, `no convergence from ${JSON.stringify({ desired, phase, hostId })}`);
            s = {
              ...s,
              phase: phaseAfterStep[step],
              hostId: step === 'schedule' ? 'host-1' : s.hostId,
              rebootRequested: step === 'reboot' ? false : s.rebootRequested,
            };
          }
          if (phase === 'deleted' && desired !== 'deleted') { assert.equal(s.phase, 'deleted'); continue; }
          if (phase === 'error' && desired !== 'deleted' && (!operationPending || ((desired === 'paused' || desired === 'saved') && hostId !== null))) {
            assert.equal(s.phase, 'error', 'an error waits for a user action');
            continue;
          }
          assert.ok(expected[desired].includes(s.phase), `${desired}/${phase} ended in ${s.phase}`);
          assert.equal(s.rebootRequested && s.phase === 'running', false);
        }
      }
    }
  }
});

test('a new instance is scheduled, provisioned, then started', () => {
  assert.equal(planStep({ desired: 'running', phase: 'pending', hostId: null, rebootRequested: false, operationPending: true }), 'schedule');
  assert.equal(planStep({ desired: 'running', phase: 'pending', hostId: 'h', rebootRequested: false, operationPending: true }), 'provision');
  assert.equal(planStep({ desired: 'running', phase: 'stopped', hostId: 'h', rebootRequested: false, operationPending: true }), 'start');
  assert.equal(planStep({ desired: 'stopped', phase: 'pending', hostId: 'h', rebootRequested: false, operationPending: true }), 'provision');
});
