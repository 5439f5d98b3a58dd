import { useI18n } from '../i18n/i18n-context.tsx';

/** English / 日本語; remembered in localStorage. */
export function LanguageSelect() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-select">
      <span>{t('lang.label')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value === 'ja' ? 'ja' : 'en')} data-testid="language">
        <option value="en">English</option>
        <option value="ja">日本語</option>
      </select>
    </label>
  );
}
