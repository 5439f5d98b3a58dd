import { useEffect } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { documentTitle } from './page-title.ts';

/** Sets the browser tab's title to the page's (and back to the product's name when it goes). */
export function useDocumentTitle(page: string | undefined): void {
  const { t } = useI18n();
  const suffix = t('title.suffix');
  useEffect(() => {
    document.title = documentTitle(page, suffix);
  }, [page, suffix]);
}
