import { useI18n } from '../i18n/i18n-context.tsx';
import { useSession } from '../session-context.ts';
import { LanguageSelect } from './language-select.tsx';
import { LinkTo } from './link-to.tsx';
import { AlertsMenu } from './alerts-menu.tsx';

/** Brand, the menu toggle for narrow windows, who is signed in, language, sign out. */
export function TopBar({ navOpen, onToggleNav }: { navOpen: boolean; onToggleNav: () => void }) {
  const { t } = useI18n();
  const { user, logout } = useSession();
  return (
    <header className="top-bar">
      <button type="button" className="menu-toggle" aria-expanded={navOpen} aria-controls="main-nav" onClick={onToggleNav}>
        <span aria-hidden="true">☰</span> {t('nav.menu')}
      </button>
      <LinkTo to="/" className="brand"><span className="logo" aria-hidden="true">雲</span> Kumo</LinkTo>
      <div className="top-bar-right">
        <AlertsMenu />
        <span className="who" data-testid="whoami">{t('auth.signedInAs', { user: user.username, role: user.role })}</span>
        <LinkTo to="/password">{t('auth.changePassword')}</LinkTo>
        <LanguageSelect />
        <button type="button" onClick={logout}>{t('auth.logout')}</button>
      </div>
    </header>
  );
}
