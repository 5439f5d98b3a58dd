import { useI18n, type MessageKey } from '../i18n/i18n-context.tsx';
import { LinkTo } from './link-to.tsx';

/** `admin`: 'root' only the root admin sees it; 'tenants' the root admin and domain admins. */
const items: Array<{ path: string; key: MessageKey; admin?: 'root' | 'tenants' }> = [
  { path: '/', key: 'nav.dashboard' },
  { path: '/instances', key: 'nav.instances' },
  { path: '/networks', key: 'nav.networks' },
  { path: '/security-groups', key: 'nav.securityGroups' },
  { path: '/volumes', key: 'nav.volumes' },
  { path: '/snapshots', key: 'nav.snapshots' },
  { path: '/hosts', key: 'nav.hosts', admin: 'root' },
  { path: '/images', key: 'nav.images' },
  { path: '/offerings', key: 'nav.offerings' },
  { path: '/keypairs', key: 'nav.keypairs' },
  { path: '/operations', key: 'nav.operations' },
  { path: '/events', key: 'nav.events' },
  { path: '/quota', key: 'nav.quota' },
  { path: '/usage', key: 'nav.usage' },
  { path: '/audit', key: 'nav.audit' },
  { path: '/domains', key: 'nav.domains', admin: 'tenants' },
  { path: '/accounts', key: 'nav.accounts', admin: 'tenants' },
  { path: '/projects', key: 'nav.projects' },
];

function isCurrent(itemPath: string, path: string): boolean {
  return itemPath === '/' ? path === '/' : path === itemPath || path.startsWith(`${itemPath}/`);
}

/** The main navigation: a sidebar, folded behind the Menu button on narrow windows. */
export function NavMenu({ path, isAdmin, administersTenants, open }: { path: string; isAdmin: boolean; administersTenants: boolean; open: boolean }) {
  const { t } = useI18n();
  return (
    <nav id="main-nav" className={`side-nav${open ? ' open' : ''}`} aria-label={t('nav.main')}>
      <ul>
        {items.filter((i) => i.admin === undefined || (i.admin === 'root' ? isAdmin : administersTenants)).map((i) => (
          <li key={i.path}><LinkTo to={i.path} current={isCurrent(i.path, path)}>{t(i.key)}</LinkTo></li>
        ))}
      </ul>
    </nav>
  );
}
