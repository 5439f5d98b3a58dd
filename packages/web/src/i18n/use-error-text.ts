import { apiErrorMessage } from '../lib/api-error-message.ts';
import { useI18n } from './i18n-context.tsx';

/** Turns a failed API call into text in the console's language (by error code and field). */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) => {
    const m = apiErrorMessage(err);
    return t(m.key, m.values);
  };
}
