const tones: Record<string, string> = {
  running: 'ok', up: 'ok', succeeded: 'ok', ready: 'ok', info: 'neutral',
  pending: 'pending', scheduling: 'pending', uploading: 'pending',
  stopped: 'neutral', paused: 'warn', saved: 'neutral', maintenance: 'warn', 'preparing-maintenance': 'warn', 'in-maintenance': 'warn', enabled: 'ok', disabled: 'neutral', disconnected: 'warn', warning: 'warn', cancelled: 'neutral',
  error: 'danger', down: 'danger', failed: 'danger', deleted: 'neutral',
};

/** A coloured pill for a phase, host state, operation status or severity. */
export function StatusBadge({ value, label }: { value: string; label: string }) {
  return <span className={`badge badge-${tones[value] ?? 'neutral'}`} data-value={value}>{label}</span>;
}
