/** An error message that is announced when it appears. */
export function ErrorNote({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return <p className="error-note" role="alert">{message}</p>;
}
