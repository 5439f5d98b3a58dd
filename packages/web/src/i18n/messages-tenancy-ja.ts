import type { tenancyEn } from './messages-tenancy-en.ts';

/** Japanese text of the tenancy screens; the same keys as messages-tenancy-en.ts. */
export const tenancyJa: Record<keyof typeof tenancyEn, string> = {
  'nav.domains': 'ドメイン',
  'dom.title': 'ドメイン',
  'dom.create': '新しいドメイン',
  'dom.parent': '親ドメイン',
  'dom.path': 'パス',
  'dom.enabled': '有効',
  'dom.disabled': '無効',
  'dom.disable': '無効にする',
  'dom.enable': '有効にする',
  'dom.disableNamed': 'ドメイン {name} を無効にする',
  'dom.enableNamed': 'ドメイン {name} を有効にする',
  'nav.accounts': 'アカウント',
  'acct.title': 'アカウント',
  'acct.create': '新しいアカウント',
  'acct.domain': 'ドメイン',
  'acct.kind': '種類',
  'acct.role': 'ロール',
  'acct.firstUser': '最初のユーザー（任意）',
  'acct.password': '最初のユーザーのパスワード',
  'acct.disableNamed': 'アカウント {name} を無効にする',
  'acct.enableNamed': 'アカウント {name} を有効にする',
  'acct.deleteNamed': 'アカウント {name} を削除',
};
