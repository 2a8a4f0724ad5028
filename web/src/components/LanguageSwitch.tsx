import { useI18n } from '../i18n/i18n.tsx'
import { LANGS, langNames } from '../i18n/messages.ts'

/** Buttons for each language; the current one is pressed. Remembered by the i18n provider. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n()
  return (
    <div className="lang-switch" role="group" aria-label={t('header.language')} data-testid="lang-switch">
      {LANGS.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={l === lang}
          className={l === lang ? 'active' : undefined}
          onClick={() => setLang(l)}
          data-testid={`lang-${l}`}
        >
          {langNames[l]}
        </button>
      ))}
    </div>
  )
}
