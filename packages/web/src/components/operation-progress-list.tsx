import type { Operation } from '@kumo/api';
import { useI18n } from '../i18n/i18n-context.tsx';
import { opStatusLabel } from '../i18n/labels.ts';
import { LinkTo } from './link-to.tsx';
import { OperationProgress } from './operation-progress.tsx';
import { StatusBadge } from './status-badge.tsx';

/** Operations with their live progress (and Cancel where the kind allows it). */
export function OperationProgressList({ ops, empty }: { ops: readonly Operation[]; empty: string }) {
  const { t } = useI18n();
  if (ops.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="op-list">
      {ops.map((op) => (
        <li key={op.id} data-testid="operation-row" data-kind={op.kind}>
          <div className="op-head">
            <span className="op-kind">{op.kind}</span>
            {op.resourceType === 'instance' ? <LinkTo to={`/instances/${op.resourceId}`}>{op.resourceId}</LinkTo> : <span>{op.resourceId}</span>}
            <StatusBadge value={op.status} label={opStatusLabel(t, op.status)} />
          </div>
          <OperationProgress op={op} />
        </li>
      ))}
    </ul>
  );
}
