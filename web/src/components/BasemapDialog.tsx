// Settings for an optional online basemap. Nothing is fetched from outside until the user saves a
// choice here; the default, and the first choice listed, is no online basemap at all.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useI18n } from '../i18n/i18n.tsx'
import { BASEMAP_KINDS, BASEMAP_LABELS, validateBasemap, type BasemapSettings } from '../map/basemaps.ts'

export interface BasemapDialogProps {
  settings: BasemapSettings
  onSave(settings: BasemapSettings): void
  onClose(): void
}

export function BasemapDialog({ settings, onSave, onClose }: BasemapDialogProps) {
  const { t } = useI18n()
  const dialog = useRef<HTMLDialogElement>(null)
  const [draft, setDraft] = useState<BasemapSettings>(settings)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const problem = validateBasemap(draft)
    if (problem) {
      setError(t(problem))
      return
    }
    onSave({ ...draft, tiandituToken: draft.tiandituToken.trim(), customTemplate: draft.customTemplate.trim() })
  }

  const needsToken = draft.kind === 'tianditu-vec' || draft.kind === 'tianditu-img'
  return (
    <dialog ref={dialog} className="app-dialog" onClose={onClose} onCancel={onClose} data-testid="basemap-dialog" aria-labelledby="basemap-title">
      <form method="dialog" onSubmit={submit}>
        <h2 id="basemap-title">{t('basemap.title')}</h2>
        <fieldset>
          {BASEMAP_KINDS.map((kind) => (
            <label key={kind} className="choice">
              <input
                type="radio"
                name="basemap"
                value={kind}
                checked={draft.kind === kind}
                onChange={() => {
                  setDraft({ ...draft, kind })
                  setError(null)
                }}
                data-testid={`basemap-${kind}`}
              />
              <span>{t(BASEMAP_LABELS[kind])}</span>
            </label>
          ))}
        </fieldset>
        {needsToken && (
          <label className="field">
            <span>{t('basemap.token')}</span>
            <input
              value={draft.tiandituToken}
              onChange={(e) => setDraft({ ...draft, tiandituToken: e.target.value })}
              autoComplete="off"
              spellCheck={false}
              data-testid="basemap-token"
            />
          </label>
        )}
        {draft.kind === 'custom' && (
          <label className="field">
            <span>{t('basemap.template')}</span>
            <input
              value={draft.customTemplate}
              onChange={(e) => setDraft({ ...draft, customTemplate: e.target.value })}
              placeholder="https://example.com/tiles/{z}/{x}/{y}.png"
              spellCheck={false}
              data-testid="basemap-template"
            />
            <small>{t('basemap.templateHelp')}</small>
          </label>
        )}
        {draft.kind !== 'none' && <p className="privacy">{t('basemap.privacy')}</p>}
        {error && (
          <p className="form-error" role="alert" data-testid="basemap-error">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose} data-testid="basemap-cancel">
            {t('basemap.cancel')}
          </button>
          <button type="submit" className="primary" data-testid="basemap-save">
            {t('basemap.save')}
          </button>
        </div>
      </form>
    </dialog>
  )
}
