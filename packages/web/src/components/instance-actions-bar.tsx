import type { Host, Instance } from '@kumo/api';
import { allowedActions, consoleActions, type ConsoleAction } from '../lib/instance-actions.ts';
import { missingCapability } from '../lib/operation-progress.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/**
 * The lifecycle actions, enabled only where the server would accept them. When the instance's
 * host is known (admins), actions it lacks the capability for are disabled with a tooltip naming it.
 */
export function InstanceActionsBar({ instance, host, busy, onAction }: {
  instance: Instance; host?: Pick<Host, 'name' | 'capabilities'> | undefined; busy: boolean; onAction: (a: ConsoleAction) => void;
}) {
  const { t } = useI18n();
  const allowed = allowedActions(instance.phase, instance.task);
  return (
    <div className="action-bar" role="group" aria-label={t('inst.actions')}>
      {consoleActions.map((a) => {
        const lacks = missingCapability(host, a);
        return (
          <button
            key={a} type="button" className={a === 'delete' || a === 'forceStop' ? 'danger' : ''} disabled={busy || !allowed[a] || lacks !== null}
            onClick={() => onAction(a)} data-action={a} data-missing-capability={lacks ?? undefined}
            title={lacks && host ? t('inst.lacksCapability', { host: host.name, capability: lacks }) : undefined}
          >
            {t(`action.${a}`)}
          </button>
        );
      })}
    </div>
  );
}
