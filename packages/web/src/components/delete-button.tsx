import { useI18n } from '../i18n/i18n-context.tsx';

/** The red button of a row that removes it; its accessible name says what it removes. */
export function DeleteButton({ name, onClick, disabled, text }: { name: string; onClick: () => void; disabled?: boolean | undefined; text?: string | undefined }) {
  const { t } = useI18n();
  const label = text ?? t('common.delete');
  return <button type="button" className="danger" disabled={disabled} onClick={onClick} aria-label={`${label}: ${name}`}>{label}</button>;
}
