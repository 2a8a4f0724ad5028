// Importing a batch of patches (docs/api-patches.md "Import"): upload the file, see what was read
// (format, CRS and where it came from, encoding, count, bounds on a preview map), map the fields,
// review the problems per feature (repair where PostGIS can), then name the batch and commit,
// all-or-nothing or the valid features only.
import { useState, type FormEvent } from 'react'
import { problemMessage } from '../onboarding-api.ts'
import { useBusyAction } from '../hooks/use-busy-action.ts'
import { fileOptions, useImportPreview, usePollWhile, useUpload } from '../hooks/use-import-wizard.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { commitImport, discardImport, getImport, importPreview, startImport, updateImport, type DetectionImport, type NewBatch } from '../patches-api.ts'
import { CaseFormFooter, useCaseForm } from './case-form.tsx'
import { ImportFileFields, ImportWarnings, NeedsCrsStep, WizardSteps } from './import-wizard-parts.tsx'

const MAPPING_KEYS = ['patchNo', 'beforeDate', 'afterDate', 'changeType', 'area', 'confidence'] as const
const ISSUERS = ['ministry', 'province', 'city', 'district'] as const

export interface ImportWizardProps {
  /** The admin-unit tiles, drawn under the preview. */
  adminTiles: string | null
  onClose(): void
  onImported(batchId: number): void
}

export function ImportWizard({ adminTiles, onClose, onImported }: ImportWizardProps) {
  const { t, lang } = useI18n()
  const [file, setFile] = useState<File | null>(null)
  const [crs, setCrs] = useState('')
  const [encoding, setEncoding] = useState('')
  const [imp, setImp] = useState<DetectionImport | null>(null)
  const [batch, setBatch] = useState<NewBatch>({ name: '', issuer: 'ministry', beforeDate: '', afterDate: '' })
  const [onlyValid, setOnlyValid] = useState(false)
  const [result, setResult] = useState<{ batchId: number; imported: number; skipped: number } | null>(null)
  const form = useCaseForm()
  const { busy, error, fail, run } = useBusyAction((e) => problemMessage(e, lang))
  const uploading = useUpload(run)

  // A file read in the background: poll until it is read.
  usePollWhile(imp, (i) => i.state === 'reading', (i) => getImport(i.id), setImp, fail, 800)
  // The preview map follows the staged features.
  const mapBox = useImportPreview(imp, adminTiles, importPreview)

  const send = async () => {
    if (!file) return
    await uploading.send(async (onProgress) => {
      setImp(await startImport(file, fileOptions(crs, encoding), onProgress))
      if (!batch.name) setBatch((b) => ({ ...b, name: file.name.replace(/\.[^.]+$/, '') }))
    })
  }

  const restage = async (body: Parameters<typeof updateImport>[1]) => {
    if (!imp) return
    await run(async () => setImp(await updateImport(imp.id, body)))
  }

  const commit = async (e: FormEvent) => {
    e.preventDefault()
    if (!imp) return
    const body: NewBatch = { name: batch.name.trim(), issuer: batch.issuer, beforeDate: batch.beforeDate, afterDate: batch.afterDate, ...(batch.deadline ? { deadline: batch.deadline } : {}) }
    await form.run(async () => setResult(await commitImport(imp.id, body, onlyValid)))
  }

  const discard = async () => {
    if (imp && imp.state !== 'committed' && !result) await discardImport(imp.id).catch(() => {})
    onClose()
  }

  const step = result ? 4 : imp?.state === 'staged' ? 3 : imp ? 2 : 1
  return (
    <section className="import-wizard" data-testid="import-wizard" data-step={step} data-state={imp?.state ?? 'none'}>
      <div className="case-head">
        <button type="button" className="link-button" onClick={() => void discard()} data-testid="import-close">
          ‹ {t('patch.back')}
        </button>
        <h3>{t('imp.title')}</h3>
      </div>
      <WizardSteps steps={['imp.step.file', 'imp.step.check', 'imp.step.batch', 'imp.step.done']} step={step} />
      {error && (
        <div className="form-error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}

      {step === 1 && (
        <div className="transition-form">
          <ImportFileFields testid="import" onFile={setFile} crs={crs} onCrs={setCrs} encoding={encoding} onEncoding={setEncoding} />
          {uploading.upload !== null && <progress max={1} value={uploading.upload} data-testid="import-upload-progress" />}
          <div className="form-buttons">
            <button type="button" className="primary" disabled={!file || busy} onClick={() => void send()} data-testid="import-upload">
              {busy ? t('imp.reading') : t('imp.upload')}
            </button>
          </div>
        </div>
      )}

      {imp && imp.state === 'reading' && (
        <div className="transition-form" data-testid="import-reading" data-phase={imp.progress.phase ?? 'reading'}>
          {imp.progress.phase === 'checking' ? (
            <>
              <p>{t('imp.checkingProgress', { n: imp.progress.done.toLocaleString() })}</p>
              {/* one pass in PostGIS with no count to show: an indeterminate bar */}
              <progress />
            </>
          ) : (
            <>
              <p>{t('imp.readingProgress', { done: imp.progress.done.toLocaleString(), total: imp.progress.total?.toLocaleString() ?? '?' })}</p>
              <progress max={imp.progress.total ?? undefined} value={imp.progress.done} />
            </>
          )}
        </div>
      )}

      {imp && imp.state === 'failed' && (
        <div className="form-error" role="alert" data-testid="import-failed">
          {imp.error?.message ?? t('imp.failed')}
        </div>
      )}

      {imp && imp.state === 'needs_crs' && <NeedsCrsStep testid="import" onCrs={(c) => void restage({ crs: c })} />}

      {imp && imp.state === 'staged' && !result && (
        <>
          <dl className="case-attrs import-summary" data-testid="import-summary">
            <dt>{t('imp.fileName')}</dt>
            <dd>{imp.fileName}</dd>
            <dt>{t('imp.format')}</dt>
            <dd data-testid="import-format">
              {imp.format?.toUpperCase()} {imp.layer ? `（${imp.layer}）` : ''}
            </dd>
            <dt>{t('imp.crs')}</dt>
            <dd data-testid="import-crs-read">
              {imp.crs ? `${imp.crs.code} ${imp.crs.name}` : '—'} {imp.crs && <small className="muted">（{t(`imp.crsSource.${imp.crs.source}` as MessageKey)}）</small>}
            </dd>
            <dt>{t('imp.encoding')}</dt>
            <dd>{imp.encoding ?? '—'}</dd>
            <dt>{t('imp.count')}</dt>
            <dd data-testid="import-count">{t('imp.countValue', { n: imp.featureCount, valid: imp.validCount })}</dd>
            <dt>{t('imp.bounds')}</dt>
            <dd>{imp.bounds ? imp.bounds.map((v) => v.toFixed(4)).join(', ') : '—'}</dd>
          </dl>
          <div className="import-preview" ref={mapBox} data-testid="import-preview" />
          <ImportWarnings testid="import" warnings={imp.warnings} />
          <div className="transition-form">
            <h4>{t('imp.mapping')}</h4>
            {MAPPING_KEYS.map((k) => (
              <label key={k} className="form-row">
                <span>{t(`imp.map.${k}` as MessageKey)}</span>
                <select value={imp.mapping[k] ?? ''} disabled={busy} onChange={(e) => void restage({ mapping: { [k]: e.target.value || null } })} data-testid={`import-map-${k}`}>
                  <option value="">{t('imp.unmapped')}</option>
                  {imp.fields.map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          <div className="problems">
            <h4>
              {t('imp.problems')} <small data-testid="import-problem-count">{imp.problemCount}</small>
            </h4>
            {imp.problems.some((p) => p.repairable) && (
              <label className="filter check">
                <input type="checkbox" checked={imp.repair} disabled={busy} onChange={(e) => void restage({ repair: e.target.checked })} data-testid="import-repair" /> {t('imp.repair')}
              </label>
            )}
            {imp.problems.length > 0 && (
              <table className="ledger-table" data-testid="import-problems">
                <thead>
                  <tr>
                    <th>{t('imp.feature')}</th>
                    <th>{t('patch.col.no')}</th>
                    <th>{t('imp.problem')}</th>
                  </tr>
                </thead>
                <tbody>
                  {imp.problems.slice(0, 200).map((p, i) => (
                    <tr key={i}>
                      <td className="num">{p.feature}</td>
                      <td>{p.patchNo ?? '—'}</td>
                      <td>
                        {p.message}
                        {p.areaChangeM2 !== undefined && ` (${p.areaChangeM2 > 0 ? '+' : ''}${p.areaChangeM2.toFixed(1)} ㎡)`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <form className="transition-form" onSubmit={commit} noValidate data-testid="import-batch-form">
            <h4>{t('imp.batch')}</h4>
            {form.row('name', t('imp.batchName'), <input value={batch.name} onChange={(e) => setBatch({ ...batch, name: e.target.value })} data-testid="import-batch-name" />)}
            {form.row(
              'issuer',
              t('imp.issuer'),
              <select value={batch.issuer} onChange={(e) => setBatch({ ...batch, issuer: e.target.value as NewBatch['issuer'] })} data-testid="import-batch-issuer">
                {ISSUERS.map((i) => (
                  <option key={i} value={i}>
                    {t(`issuer.${i}` as MessageKey)}
                  </option>
                ))}
              </select>,
            )}
            {form.row('beforeDate', t('imp.beforeDate'), <input type="date" value={batch.beforeDate} onChange={(e) => setBatch({ ...batch, beforeDate: e.target.value })} data-testid="import-batch-before" />)}
            {form.row('afterDate', t('imp.afterDate'), <input type="date" value={batch.afterDate} onChange={(e) => setBatch({ ...batch, afterDate: e.target.value })} data-testid="import-batch-after" />)}
            {form.row('deadline', t('patch.deadline'), <input type="date" value={batch.deadline ?? ''} onChange={(e) => setBatch({ ...batch, deadline: e.target.value || undefined })} data-testid="import-batch-deadline" />)}
            {imp.problemCount > 0 && (
              <label className="filter check">
                <input type="checkbox" checked={onlyValid} onChange={(e) => setOnlyValid(e.target.checked)} data-testid="import-only-valid" /> {t('imp.onlyValid', { n: imp.validCount })}
              </label>
            )}
            <CaseFormFooter busy={form.busy} error={form.error} failedLabel="imp.commitFailed" unplacedError={form.unplaced(['name', 'issuer', 'beforeDate', 'afterDate', 'deadline'])} onCancel={() => void discard()} cancelLabel="imp.discard" />
          </form>
        </>
      )}

      {result && (
        <div className="transition-form" data-testid="import-done">
          <p>{t('imp.done', { n: result.imported, skipped: result.skipped })}</p>
          <div className="form-buttons">
            <button type="button" className="primary" onClick={() => onImported(result.batchId)} data-testid="import-open-batch">
              {t('imp.openBatch')}
            </button>
          </div>
        </div>
      )}
    </section>
  )
}
