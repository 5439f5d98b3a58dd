import { useErrorText } from '../i18n/use-error-text.ts';

/**
 * An error message that is announced when it appears. Given an Error (a failed API call), it says
 * it in the console's language by the API's error code; a string is shown as it is.
 */
export function ErrorNote({ message }: { message: string | Error | null | undefined }) {
  const errorText = useErrorText();
  if (!message) return null;
  const text = typeof message === 'string' ? message : errorText(message);
  const original = typeof message === 'string' ? undefined : message.message;
  return <p className="error-note" role="alert" title={original !== text ? original : undefined}>{text}</p>;
}
