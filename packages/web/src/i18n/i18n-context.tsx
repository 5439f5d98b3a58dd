import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Lang } from '../lib/format.ts';
import { en, type MessageKey } from './messages-en.ts';
import { ja } from './messages-ja.ts';
import { fillMessage } from './translate.ts';

export type { MessageKey };
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, ja };
const storageKey = 'kumo.lang';

interface I18n { lang: Lang; setLang: (l: Lang) => void; t: Translate }

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'en' || saved === 'ja') return saved;
  } catch { /* storage disabled */ }
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

const I18nContext = createContext<I18n>({ lang: 'en', setLang: () => {}, t: (k, p) => fillMessage(en[k], p) });

/** English and Japanese; the choice is remembered in localStorage. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try { localStorage.setItem(storageKey, l); } catch { /* storage disabled */ }
  }, []);
  useEffect(() => { document.documentElement.lang = lang; }, [lang]);
  const value = useMemo<I18n>(() => ({ lang, setLang, t: (k, p) => fillMessage(dictionaries[lang][k], p) }), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
