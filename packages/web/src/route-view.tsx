import { parseRoute } from './lib/app-route.ts';
import { pageTitleKey } from './lib/page-title.ts';
import { useDocumentTitle } from './lib/use-document-title.ts';
import { useI18n } from './i18n/i18n-context.tsx';
import { DashboardScreen } from './screens/dashboard-screen.tsx';
import { InstancesScreen } from './screens/instances-screen.tsx';
import { InstanceWizardScreen } from './screens/instance-wizard-screen.tsx';
import { InstanceScreen } from './screens/instance-screen.tsx';
import { NetworksScreen } from './screens/networks-screen.tsx';
import { NetworkScreen } from './screens/network-screen.tsx';
import { SecurityGroupsScreen } from './screens/security-groups-screen.tsx';
import { HostsScreen } from './screens/hosts-screen.tsx';
import { HostScreen } from './screens/host-screen.tsx';
import { ImagesScreen } from './screens/images-screen.tsx';
import { OfferingsScreen } from './screens/offerings-screen.tsx';
import { KeypairsScreen } from './screens/keypairs-screen.tsx';
import { VolumesScreen } from './screens/volumes-screen.tsx';
import { SnapshotsScreen } from './screens/snapshots-screen.tsx';
import { OperationsScreen } from './screens/operations-screen.tsx';
import { EventsScreen } from './screens/events-screen.tsx';
import { NotFoundScreen } from './screens/not-found-screen.tsx';
import { PasswordScreen } from './screens/password-screen.tsx';
import { QuotaScreen } from './screens/quota-screen.tsx';
import { UsageScreen } from './screens/usage-screen.tsx';
import { AuditScreen } from './screens/audit-screen.tsx';
import { DomainsScreen } from './screens/domains-screen.tsx';
import { AccountsScreen } from './screens/accounts-screen.tsx';
import { ProjectsScreen } from './screens/projects-screen.tsx';

/** The screen for the current path. */
export function RouteView({ path }: { path: string }) {
  const r = parseRoute(path);
  const { t } = useI18n();
  const titleKey = pageTitleKey(r);
  return <>{titleKey && <ListTitle text={t(titleKey)} />}{screenOf(r)}</>;
}

function ListTitle({ text }: { text: string }) {
  useDocumentTitle(text);
  return null;
}

function screenOf(r: ReturnType<typeof parseRoute>) {
  switch (r.screen) {
    case 'dashboard': return <DashboardScreen />;
    case 'instances': return <InstancesScreen />;
    case 'instance-new': return <InstanceWizardScreen />;
    case 'instance': return <InstanceScreen key={r.id} id={r.id} />;
    case 'networks': return <NetworksScreen />;
    case 'network': return <NetworkScreen key={r.id} id={r.id} />;
    case 'security-groups': return <SecurityGroupsScreen />;
    case 'hosts': return <HostsScreen />;
    case 'host': return <HostScreen key={r.id} id={r.id} />;
    case 'images': return <ImagesScreen />;
    case 'offerings': return <OfferingsScreen />;
    case 'keypairs': return <KeypairsScreen />;
    case 'volumes': return <VolumesScreen />;
    case 'snapshots': return <SnapshotsScreen />;
    case 'operations': return <OperationsScreen />;
    case 'events': return <EventsScreen />;
    case 'password': return <PasswordScreen />;
    case 'quota': return <QuotaScreen />;
    case 'usage': return <UsageScreen />;
    case 'audit': return <AuditScreen />;
    case 'domains': return <DomainsScreen />;
    case 'accounts': return <AccountsScreen />;
    case 'projects': return <ProjectsScreen />;
    case 'not-found': return <NotFoundScreen path={r.path} />;
  }
}
