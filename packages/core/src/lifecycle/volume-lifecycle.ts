/**
 * Volume lifecycle as data, like the instance's. Four fields, one writer each:
 *  - desired  (the volume's owner: the API, or the instance that owns a root disk): ready | deleted
 *  - phase    (controller): pending | ready | error | deleted
 *  - task     (controller): creating | deleting, or a device change in progress (attaching,
 *                            detaching, resizing, restoring, updating: asked by an operation), or null
 *  - observed (agent):      what the host reported after the last call
 * A volume row is removed once it reaches `deleted` (nothing refers to a deleted volume).
 */
export const volumeDesiredStates = ['ready', 'deleted'] as const;
export type VolumeDesiredState = (typeof volumeDesiredStates)[number];

export const volumePhases = ['pending', 'ready', 'error', 'deleted'] as const;
export type VolumePhase = (typeof volumePhases)[number];

export const volumeTasks = ['creating', 'deleting', 'attaching', 'detaching', 'resizing', 'restoring', 'updating'] as const;
export type VolumeTask = (typeof volumeTasks)[number];

export type VolumeStep = 'none' | 'create' | 'delete';

export interface VolumeStepInput {
  desired: VolumeDesiredState;
  phase: VolumePhase;
  /** An operation (volume.create / volume.delete) is waiting on this volume: an error is retried. */
  operationPending: boolean;
}

/** The phase a volume is in after `step` succeeded. */
export const volumePhaseAfterStep: Readonly<Record<Exclude<VolumeStep, 'none'>, VolumePhase>> = {
  create: 'ready',
  delete: 'deleted',
};

/** The task the controller records while doing `step`. */
export const volumeTaskForStep: Readonly<Record<Exclude<VolumeStep, 'none'>, VolumeTask>> = {
  create: 'creating',
  delete: 'deleting',
};

/** The operation kind that asks for each step. */
export const volumeOperationForStep: Readonly<Record<Exclude<VolumeStep, 'none'>, 'volume.create' | 'volume.delete'>> = {
  create: 'volume.create',
  delete: 'volume.delete',
};

/** The next step for a volume; 'none' when it is where it should be (or an error waits for a new request). */
export function planVolumeStep(s: VolumeStepInput): VolumeStep {
  if (s.desired === 'deleted') return s.phase === 'deleted' ? 'none' : 'delete';
  switch (s.phase) {
    case 'pending': return 'create';
    case 'error': return s.operationPending ? 'create' : 'none';
    case 'ready': return 'none';
    case 'deleted': return 'none'; // a deleted volume is never made again: a new volume gets a new id
  }
}
