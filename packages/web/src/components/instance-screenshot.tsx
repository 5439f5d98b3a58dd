import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';

const refreshMs = 15_000;

/**
 * A thumbnail of the guest's screen (GET /api/v1/instances/{id}/screenshot), refreshed while it
 * runs. Nothing is shown when the guest has no screen to show (no display, not running, a host
 * without a graphical console).
 */
export function InstanceScreenshot({ instanceId, phase }: { instanceId: string; phase: string }) {
  const { t } = useI18n();
  const running = phase === 'running' || phase === 'paused';
  const [stamp, setStamp] = useState(() => Date.now());
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setFailed(false);
    if (!running) return;
    const timer = setInterval(() => setStamp(Date.now()), refreshMs);
    return () => clearInterval(timer);
  }, [running, instanceId]);
  if (!running || failed) return null;
  return (
    <figure className="screenshot" data-testid="instance-screenshot">
      <img src={`/api/v1/instances/${encodeURIComponent(instanceId)}/screenshot?at=${stamp}`} alt={t('vnc.thumbnailAlt')} width={240} onError={() => setFailed(true)} />
      <figcaption className="muted">{t('vnc.thumbnail')}</figcaption>
    </figure>
  );
}
