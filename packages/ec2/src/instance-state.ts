import type { InstanceView } from './ec2-backend.ts';

/** EC2's instance states and their codes. */
export const instanceStateCodes = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 } as const;
export type Ec2InstanceState = keyof typeof instanceStateCodes;

/** The EC2 state of a Kumo instance, from its phase, task and desired state. */
export function ec2InstanceState(i: Pick<InstanceView, 'phase' | 'task' | 'desired'>): Ec2InstanceState {
  if (i.phase === 'deleted') return 'terminated';
  if (i.desired === 'deleted' || i.task === 'deleting') return 'shutting-down';
  if (i.phase === 'pending' || i.task === 'starting' || i.task === 'scheduling' || i.task === 'provisioning') return 'pending';
  if (i.task === 'stopping' || (i.phase === 'running' && i.desired === 'stopped')) return 'stopping';
  if (i.phase === 'running') return 'running';
  if (i.phase === 'error' && i.desired === 'running') return 'pending';
  return 'stopped';
}
