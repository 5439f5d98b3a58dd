import type { MessageKey } from '../i18n/messages-en.ts';
import type { AppRoute } from './app-route.ts';

/**
 * The title key of a list screen; undefined for a screen that titles itself after the resource it
 * shows (an instance, a host, a network).
 */
export function pageTitleKey(route: AppRoute): MessageKey | undefined {
  switch (route.screen) {
    case 'dashboard': return 'dash.title';
    case 'instances': return 'inst.title';
    case 'instance-new': return 'wiz.title';
    case 'networks': return 'net.title';
    case 'security-groups': return 'sg.title';
    case 'hosts': return 'host.title';
    case 'images': return 'img.title';
    case 'offerings': return 'off.title';
    case 'keypairs': return 'kp.title';
    case 'volumes': return 'vol.title';
    case 'snapshots': return 'snap.title';
    case 'operations': return 'ops.title';
    case 'events': return 'ev.title';
    case 'password': return 'password.title';
    case 'quota': return 'quota.title';
    case 'usage': return 'usage.title';
    case 'audit': return 'audit.title';
    case 'domains': return 'dom.title';
    case 'accounts': return 'acct.title';
    case 'projects': return 'proj.title';
    case 'not-found': return 'nf.title';
    case 'instance': case 'network': case 'host': return undefined;
  }
}

/** The browser tab's text: the page, then the product. */
export function documentTitle(page: string | undefined, suffix: string): string {
  return page ? `${page} · ${suffix}` : suffix;
}
