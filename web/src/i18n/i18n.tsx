// The language context: which language is on, the switch, and the lookup functions.
// The choice is remembered in localStorage; the default is Chinese.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import type { CodeDomain } from '../codes.ts'
import { DEFAULT_LANG, LANGS, messages, type Lang, type MessageKey } from './messages.ts'

export type { CodeDomain }

const STORAGE_KEY = 'chaiwei.lang'

export interface I18n {
  lang: Lang
  setLang(lang: Lang): void
  /** The label for a key, with `{name}` placeholders filled from `vars`. */
  t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string
  /** The label of a coded value; an unknown code is shown as it is rather than hidden. */
  label(domain: CodeDomain, code: string): string
  /** The label for a key built at run time (e.g. `prop.<name>`), or undefined when there is none. */
  lookup(key: string): string | undefined
}

export function translate(lang: Lang, key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  const text = messages[lang][key]
  if (!vars) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
}

export function codeLabel(lang: Lang, domain: CodeDomain, code: string): string {
  const key = `${domain}.${code}`
  const table = messages[lang] as Readonly<Record<string, string>>
  return Object.hasOwn(table, key) ? (table[key] ?? code) : code
}

export function lookupMessage(lang: Lang, key: string): string | undefined {
  const table = messages[lang] as Readonly<Record<string, string>>
  return Object.hasOwn(table, key) ? table[key] : undefined
}

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY)
    if (stored && (LANGS as readonly string[]).includes(stored)) return stored as Lang
  } catch {
    // storage blocked (privacy mode): fall through to the default
  }
  return DEFAULT_LANG
}

const I18nContext = createContext<I18n | null>(null)

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang)

  useEffect(() => {
    document.documentElement.lang = lang
    document.title = translate(lang, 'app.title')
  }, [lang])

  const setLang = useCallback((next: Lang) => {
    setLangState(next)
    try {
      localStorage.setItem(STORAGE_KEY, next)
    } catch {
      // not remembered; still switched for this page
    }
  }, [])

  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      label: (domain, code) => codeLabel(lang, domain, code),
      lookup: (key) => lookupMessage(lang, key),
    }),
    [lang, setLang],
  )
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext)
  if (!ctx) throw new Error('useI18n outside <I18nProvider>')
  return ctx
}
