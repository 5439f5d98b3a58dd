import type { Instance } from '@kumo/api';
import { allowedActions, consoleActions, type ConsoleAction } from '../lib/instance-actions.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The lifecycle actions, enabled only where the server would accept them. */
export function InstanceActionsBar({ instance, busy, onAction }: { instance: Instance; busy: boolean; onAction: (a: ConsoleAction) => void }) {
  const { t } = useI18n();
  const allowed = allowedActions(instance.phase, instance.task);
  return (
    <div className="action-bar" role="group" aria-label={t('inst.actions')}>
      {consoleActions.map((a) => (
        <button key={a} type="button" className={a === 'delete' || a === 'forceStop' ? 'danger' : ''} disabled={busy || !allowed[a]} onClick={() => onAction(a)} data-action={a}>
          {t(`action.${a}`)}
        </button>
      ))}
    </div>
  );
}
