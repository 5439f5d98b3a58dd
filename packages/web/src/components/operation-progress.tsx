import { useState } from 'react';
import type { Operation } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { canCancel, isCancelling, progressBytes } from '../lib/operation-progress.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ErrorNote } from './error-note.tsx';
import { ProgressBar } from './progress-bar.tsx';

const tones = { failed: 'danger', cancelled: 'warn', succeeded: 'ok' } as const;

/**
 * One operation's live progress: the bar and percent, "X of Y MiB" when the host reports bytes,
 * "cancelling…" once a cancel was asked, and a Cancel button for running saves and restores.
 * The caller re-renders it with the operation as the live stream updates it.
 */
export function OperationProgress({ op, showMessage = true }: { op: Operation; showMessage?: boolean }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The cancel's answer carries cancelRequestedAt: show "cancelling…" at once, before the stream says so.
  const [asked, setAsked] = useState<Operation | null>(null);
  const bytes = progressBytes(op);
  const cancelling = isCancelling(asked && !op.cancelRequestedAt ? { ...op, cancelRequestedAt: asked.cancelRequestedAt } : op);
  const tone = op.status in tones ? tones[op.status as keyof typeof tones] : 'accent';

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      setAsked(await client.request<Operation>('POST', `/api/v1/operations/${encodeURIComponent(op.id)}/cancel`));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="op-progress" data-testid="op-progress" data-op-id={op.id} data-status={op.status} data-progress={op.progress}>
      <div className="op-progress-row">
        <ProgressBar value={op.progress / 100} label={t('ops.progressOf', { kind: op.kind })} tone={tone} />
        <span className="small muted nowrap">{op.progress}%</span>
        {bytes && <span className="small nowrap" data-testid="op-bytes">{t('ops.bytes', bytes)}</span>}
        {cancelling && <span className="small text-warn nowrap" data-testid="op-cancelling">{t('ops.cancelling')}</span>}
        {canCancel(op) && !cancelling && (
          <button type="button" className="compact" disabled={busy} onClick={() => void cancel()} data-action="cancel-operation">{t('ops.cancel')}</button>
        )}
      </div>
      {showMessage && (op.error?.message ?? op.message) && <p className="op-message muted small">{op.error ? `${op.error.code}: ${op.error.message}` : op.message}</p>}
      <ErrorNote message={error} />
    </div>
  );
}
