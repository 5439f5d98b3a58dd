import { useState } from 'react';
import { useErrorText } from '../i18n/use-error-text.ts';

/**
 * An action of a screen other than a form (delete, release, enable…): asks first when given a
 * question, keeps the API's error to show, and reloads what the screen shows when it worked.
 */
export function useAction(onDone: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorText = useErrorText();
  const run = async (call: () => Promise<unknown>, confirmText?: string): Promise<void> => {
    if (confirmText !== undefined && !window.confirm(confirmText)) return;
    setBusy(true);
    setError(null);
    try {
      await call();
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export type ActionRunner = ReturnType<typeof useAction>;
