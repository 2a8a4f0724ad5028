// A batch's deadline and its before/after imagery (XYZ, WMTS or COG URLs), edited with If-Match.
import { useState, type FormEvent } from 'react'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { editBatch, type BatchSummary, type ImagerySource } from '../patches-api.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'

const TYPES = ['xyz', 'wmts', 'cog'] as const

export function BatchSettings({ batch, onSaved, onReload }: { batch: BatchSummary; onSaved(b: BatchSummary): void; onReload(): void }) {
  const { t } = useI18n()
  const [open, setOpen] = useState(false)
  const [deadline, setDeadline] = useState(batch.deadline ?? '')
  const [img, setImg] = useState<{ before: ImagerySource; after: ImagerySource }>({
    before: batch.imagery.before ?? { type: 'xyz', url: '' },
    after: batch.imagery.after ?? { type: 'xyz', url: '' },
  })
  const form = useCaseForm()
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const imagery = Object.fromEntries((['before', 'after'] as const).filter((s) => img[s].url.trim()).map((s) => [s, { ...img[s], url: img[s].url.trim() }]))
    await form.run(async () => {
      onSaved(await editBatch(batch.id, batch.version, { deadline: deadline || null, imagery }))
      setOpen(false)
    })
  }
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="batch-settings">
        {t('pbatch.settings')}
      </button>
    )
  }
  return (
    <form className="transition-form" onSubmit={submit} noValidate data-testid="batch-settings-form">
      <h4>{t('pbatch.settings')}</h4>
      {form.row('deadline', t('patch.deadline'), <input type="date" value={deadline} onChange={(e) => setDeadline(e.target.value)} data-testid="batch-deadline" />)}
      {(['before', 'after'] as const).map((side) => (
        <div key={side} className="imagery-source">
          {form.row(
            'imagery',
            `${t(side === 'before' ? 'patch.before' : 'patch.after')} — ${t('pbatch.imageryType')}`,
            <select value={img[side].type} onChange={(e) => setImg({ ...img, [side]: { ...img[side], type: e.target.value as ImagerySource['type'] } })} data-testid={`batch-${side}-type`}>
              {TYPES.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`pbatch.type.${ty}` as MessageKey)}
                </option>
              ))}
            </select>,
          )}
          <label className="form-row">
            <span>{t('pbatch.url')}</span>
            <input value={img[side].url} placeholder={t(`pbatch.placeholder.${img[side].type}` as MessageKey)} onChange={(e) => setImg({ ...img, [side]: { ...img[side], url: e.target.value } })} data-testid={`batch-${side}-url`} />
          </label>
        </div>
      ))}
      <CaseFormFooter busy={form.busy} error={form.error} failedLabel="form.failed" unplacedError={form.unplaced(['deadline', 'imagery'])} stale={form.stale} onReload={onReload} onCancel={() => setOpen(false)} />
    </form>
  )
}
