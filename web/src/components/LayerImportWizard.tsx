// Importing one reference layer (docs/api-onboarding.md, docs/onboarding.md): choose the file (and,
// when it cannot say, its CRS and encoding), upload with progress, wait while it is read, give the
// CRS when the file has none, then check what was read (CRS, encoding, count, bounds, a preview map
// with problem features in red), map the target fields to the file's fields or constants (each
// change re-checked by the server), review the problems, choose replace or append and commit;
// the commit runs in the background with its phase shown, then what was written and re-derived.
// Cancel at any time: the import is deleted and nothing is written. Same patterns as ImportWizard.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { ApiError } from '../api.ts'
import { useBusyAction } from '../hooks/use-busy-action.ts'
import { fileOptions, useImportPreview, usePollWhile, useUpload } from '../hooks/use-import-wizard.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import {
  cancelLayerImport, commitLayerImport, getLayerImport, layerImportFeatures, problemMessage, startLayerImport, updateLayerImport,
  type ImportTarget, type LayerImportView, type LayerKey, type LayerMapping, type LoadMode, type MappingSource,
} from '../onboarding-api.ts'
import { ImportFileFields, ImportWarnings, NeedsCrsStep, WizardSteps } from './import-wizard-parts.tsx'

export interface LayerImportWizardProps {
  layer: LayerKey
  /** The admin-unit tiles, drawn under the preview (null before a district exists). */
  adminTiles: string | null
  onClose(): void
  /** The layer was written: refresh the status and the map. */
  onCommitted(layer: LayerKey): void
  onSessionLost(): void
}

const POLL_MS = 700
/** How a mapping source is kept in a <select>: '' nothing, 'f:NAME' a field, 'v:VALUE' a constant, 'const' a constant being typed. */
/** The server writes derived-work messages as "中文 / English": the half for the UI's language. */
const inLanguage = (message: string, lang: string) => {
  const cut = / ?\/ (?=[A-Za-z])/.exec(message)
  return !cut ? message : lang === 'zh-CN' ? message.slice(0, cut.index) : message.slice(cut.index + cut[0].length)
}
const sourceValue = (m: MappingSource | undefined): string => (m === null || m === undefined ? '' : typeof m === 'string' ? `f:${m}` : `v:${String(m.value)}`)

export function LayerImportWizard({ layer, adminTiles, onClose, onCommitted, onSessionLost }: LayerImportWizardProps) {
  const { t, lang, lookup } = useI18n()
  const [file, setFile] = useState<File | null>(null)
  const [crs, setCrs] = useState('')
  const [encoding, setEncoding] = useState('')
  const [imp, setImp] = useState<LayerImportView | null>(null)
  const [mode, setMode] = useState<LoadMode>('append')
  const [onlyValid, setOnlyValid] = useState(false)
  const [presetName, setPresetName] = useState('')
  const reported = useRef(false)
  const { busy, setBusy, error, fail, run } = useBusyAction(
    (e) => problemMessage(e, lang),
    (e) => {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
    },
  )
  const uploading = useUpload(run)

  // Read or written in the background: poll until it settles.
  usePollWhile(imp, (i) => i.state === 'reading' || i.state === 'committing', (i) => getLayerImport(i.id), setImp, fail, POLL_MS)

  useEffect(() => {
    if (imp?.state === 'committed' && !reported.current) {
      reported.current = true
      onCommitted(imp.layer)
    }
  }, [imp, onCommitted])

  // The preview map follows the staged features (re-fetched after each re-check: problems change);
  // leaving staged (commit, failure) removes the map's box and the map with it.
  const mapBox = useImportPreview(imp, adminTiles, layerImportFeatures)

  const send = async () => {
    if (!file) return
    await uploading.send(async (onProgress) => setImp(await startLayerImport(layer, file, fileOptions(crs, encoding), onProgress)))
  }

  const restage = async (body: Parameters<typeof updateLayerImport>[1]) => {
    if (!imp) return
    await run(async () => setImp(await updateLayerImport(imp.id, body)))
  }

  const commit = async (e: FormEvent) => {
    e.preventDefault()
    if (!imp) return
    const name = presetName.trim()
    await run(async () => setImp(await commitLayerImport(imp.id, { mode, onlyValid, ...(name ? { presetName: name } : {}) })))
  }

  const cancel = async () => {
    if (imp && (imp.state === 'reading' || imp.state === 'needs_crs' || imp.state === 'staged' || imp.state === 'committing')) {
      setBusy(true)
      await cancelLayerImport(imp.id).catch(() => {})
    }
    onClose()
  }

  const applyPreset = (id: number) => {
    const preset = imp?.presets.find((p) => p.id === id)
    if (!imp || !preset) return
    // only what fits this file: a field it lacks would be refused
    const names = new Set(imp.fields.map((f) => f.name))
    const fits: LayerMapping = {}
    for (const [k, m] of Object.entries(preset.mapping)) {
      if (imp.targets.some((x) => x.key === k) && (typeof m !== 'string' || names.has(m))) fits[k] = m
    }
    void restage({ mapping: fits })
  }

  const state = imp?.state ?? 'none'
  const step = !imp ? 1 : state === 'committing' ? 3 : state === 'committed' || state === 'failed' || state === 'cancelled' ? 4 : 2
  const layerName = t(`ob.layer.${layer}` as MessageKey)
  const progressLine = (p: LayerImportView['progress']) =>
    t('ob.progress', { phase: t(`ob.phase.${p?.phase ?? 'reading'}` as MessageKey), done: (p?.done ?? 0).toLocaleString(), total: p?.total?.toLocaleString() ?? '?' })
  const problemLabel = (code: string) => lookup(`ob.problem.${code}`) ?? code
  const targetLabel = (key: string | null | undefined) => {
    const target = imp?.targets.find((x) => x.key === key)
    return target ? (lang === 'zh-CN' ? target.zh : target.en) : (key ?? '—')
  }

  return (
    <section className="import-wizard layer-import" data-testid="layer-import" data-layer={layer} data-step={step} data-state={state}>
      <div className="case-head">
        <h3>{t('ob.wiz.title', { layer: layerName })}</h3>
        <button type="button" className="wizard-cancel" disabled={busy && state === 'committing'} onClick={() => void cancel()} data-testid="layer-import-cancel">
          {state === 'committed' || state === 'failed' || state === 'cancelled' ? t('ob.wiz.close') : t('ob.wiz.cancel')}
        </button>
      </div>
      <WizardSteps steps={['ob.wiz.step.file', 'ob.wiz.step.check', 'ob.wiz.step.commit', 'ob.wiz.step.done']} step={step} />
      {error && (
        <div className="form-error stale" role="alert" data-testid="layer-import-error">
          {error}
        </div>
      )}

      {!imp && (
        <div className="transition-form">
          <ImportFileFields testid="layer-import" onFile={setFile} crs={crs} onCrs={setCrs} encoding={encoding} onEncoding={setEncoding} />
          {uploading.upload !== null && (
            <div className="progress-line">
              <span>{t('ob.wiz.uploading')}</span>
              <progress max={1} value={uploading.upload} data-testid="layer-import-upload-progress" />
            </div>
          )}
          <div className="form-buttons">
            <button type="button" className="primary" disabled={!file || busy} onClick={() => void send()} data-testid="layer-import-upload">
              {busy ? t('imp.reading') : t('imp.upload')}
            </button>
          </div>
        </div>
      )}

      {imp && (state === 'reading' || state === 'committing') && (
        <div className="transition-form" data-testid="layer-import-progress">
          <p>{progressLine(imp.progress)}</p>
          <progress max={imp.progress?.total ?? undefined} value={imp.progress?.total ? imp.progress.done : undefined} />
        </div>
      )}

      {imp && state === 'needs_crs' && <NeedsCrsStep testid="layer-import" disabled={busy} onCrs={(c) => void restage({ crs: c })} />}

      {imp && state === 'staged' && (
        <>
          <div className="staged-head">
            <dl className="case-attrs import-summary" data-testid="layer-import-summary">
              <dt>{t('imp.fileName')}</dt>
              <dd>{imp.fileName}</dd>
              <dt>{t('imp.format')}</dt>
              <dd data-testid="layer-import-format">
                {imp.format?.toUpperCase()} {imp.layerName ? `（${imp.layerName}）` : ''}
              </dd>
              <dt>{t('imp.crs')}</dt>
              <dd data-testid="layer-import-crs-read">
                {imp.crs ? `${imp.crs.code} ${imp.crs.name}` : '—'}{' '}
                {imp.crs?.source && <small className="muted">（{lookup(`imp.crsSource.${imp.crs.source}`) ?? imp.crs.source}）</small>}
              </dd>
              <dt>{t('imp.encoding')}</dt>
              <dd data-testid="layer-import-encoding-read">{imp.encoding ?? '—'}</dd>
              <dt>{t('imp.count')}</dt>
              <dd data-testid="layer-import-count" data-count={imp.featureCount} data-valid={imp.validCount}>
                {t('imp.countValue', { n: imp.featureCount.toLocaleString(), valid: imp.validCount.toLocaleString() })}
              </dd>
              <dt>{t('imp.bounds')}</dt>
              <dd>{imp.bounds ? imp.bounds.map((v) => v.toFixed(4)).join(', ') : '—'}</dd>
            </dl>
            <div className="import-preview" ref={mapBox} data-testid="layer-import-preview" />
          </div>
          <ImportWarnings testid="layer-import" warnings={imp.warnings} />

          <div className="transition-form">
            <div className="mapping-head">
              <h4>{t('ob.map.title')}</h4>
              {imp.presets.length > 0 && (
                <select value="" disabled={busy} onChange={(e) => e.target.value && applyPreset(Number(e.target.value))} aria-label={t('ob.preset')} data-testid="layer-import-preset">
                  <option value="">{t('ob.preset.choose')}</option>
                  {imp.presets.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              )}
            </div>
            <p className="muted">{t('ob.map.hint')}</p>
            <table className="ledger-table mapping-table" data-testid="layer-import-mapping">
              <thead>
                <tr>
                  <th>{t('ob.map.target')}</th>
                  <th>{t('ob.map.source')}</th>
                  <th>{t('ob.map.samples')}</th>
                </tr>
              </thead>
              <tbody>
                {imp.targets.map((target) => (
                  <MappingRow key={target.key} target={target} imp={imp} busy={busy} onChange={(m) => void restage({ mapping: { [target.key]: m } })} />
                ))}
              </tbody>
            </table>
          </div>

          <div className="problems" data-testid="layer-import-problems" data-count={imp.problemCount}>
            <h4>
              {t('ob.problems')} <small data-testid="layer-import-problem-count">{imp.problemCount}</small>
            </h4>
            {imp.problemCount === 0 ? (
              <p className="muted">{t('ob.problemNone')}</p>
            ) : (
              <>
                <p className="problem-counts">
                  {Object.entries(imp.problemCounts).map(([code, n]) => (
                    <span key={code} className="problem-chip" data-code={code}>
                      {problemLabel(code)} {n}
                    </span>
                  ))}
                  {imp.problems.length < imp.problemCount && <span className="muted"> {t('ob.problemsListed', { n: imp.problems.length })}</span>}
                </p>
                <table className="ledger-table">
                  <thead>
                    <tr>
                      <th>{t('ob.col.feature')}</th>
                      <th>{t('ob.col.code')}</th>
                      <th>{t('ob.col.field')}</th>
                      <th>{t('ob.col.message')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {imp.problems.slice(0, 200).map((p, i) => (
                      <tr key={i} data-testid="layer-import-problem" data-feature={p.featureNo} data-code={p.code}>
                        <td className="num">{p.featureNo}</td>
                        <td>{problemLabel(p.code)}</td>
                        <td>{p.field ? targetLabel(p.field) : '—'}</td>
                        <td>{p.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </div>

          <form className="transition-form" onSubmit={commit} noValidate data-testid="layer-import-commit-form">
            <h4>{t('ob.commit.title')}</h4>
            {(['append', 'replace'] as const).map((m) => (
              <label key={m} className="check mode-choice">
                <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} data-testid={`layer-import-mode-${m}`} />
                <b>{t(`ob.mode.${m}`)}</b> <span className="muted">{t(`ob.mode.${m}Hint`)}</span>
              </label>
            ))}
            <label className="check">
              <input type="checkbox" checked={onlyValid} onChange={(e) => setOnlyValid(e.target.checked)} data-testid="layer-import-only-valid" /> {t('ob.onlyValid', { n: imp.validCount.toLocaleString() })}
            </label>
            <label className="form-row">
              <span>{t('ob.presetName')}</span>
              <input value={presetName} maxLength={100} onChange={(e) => setPresetName(e.target.value)} data-testid="layer-import-preset-name" />
            </label>
            <div className="form-buttons">
              <button type="submit" className="primary" disabled={busy} data-testid="layer-import-commit">
                {t('ob.commit')}
              </button>
              <button type="button" disabled={busy} onClick={() => void cancel()}>
                {t('ob.wiz.cancel')}
              </button>
            </div>
          </form>
        </>
      )}

      {imp && state === 'committed' && imp.result && (
        <div className="transition-form" data-testid="layer-import-done" data-inserted={imp.result.inserted} data-skipped={imp.result.skipped}>
          <p className="done">
            {t('ob.committed', { inserted: imp.result.inserted, updated: imp.result.updated, deleted: imp.result.deleted, skipped: imp.result.skipped })}
          </p>
          {imp.result.derived.length > 0 && (
            <>
              <h4>{t('ob.derived')}</h4>
              <ul className="derived" data-testid="layer-import-derived">
                {imp.result.derived.map((d) => (
                  <li key={d.what} data-what={d.what}>
                    {inLanguage(d.message, lang)}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="form-buttons">
            <button type="button" className="primary" onClick={onClose} data-testid="layer-import-finish">
              {t('ob.wiz.close')}
            </button>
          </div>
        </div>
      )}

      {imp && state === 'failed' && (
        <div className="form-error stale" role="alert" data-testid="layer-import-failed">
          <b>{t('ob.failed')}</b>：{(lang === 'zh-CN' ? imp.error?.message : imp.error?.messageEn ?? imp.error?.message) ?? ''} {t('ob.nothingWritten')}
        </div>
      )}
      {imp && state === 'cancelled' && <p className="muted">{t('ob.cancelled')}</p>}
    </section>
  )
}

/** One target field: where its value comes from (a field of the file, a constant, nothing) and what that gives. */
function MappingRow({ target, imp, busy, onChange }: { target: ImportTarget; imp: LayerImportView; busy: boolean; onChange(m: MappingSource): void }) {
  const { t, lang } = useI18n()
  const current = imp.mapping[target.key]
  const [typing, setTyping] = useState(false)
  const [constant, setConstant] = useState('')
  const chosen = sourceValue(current)
  const field = typeof current === 'string' ? imp.fields.find((f) => f.name === current) : undefined
  const fixed: { value: string; label: string }[] = target.values
    ? target.values.map((v) => ({ value: v.key, label: lang === 'zh-CN' ? v.zh : `${v.zh} ${v.key}` }))
    : target.kind === 'boolean'
      ? [
          { value: 'true', label: t('ob.map.yes') },
          { value: 'false', label: t('ob.map.no') },
        ]
      : []
  // a constant already chosen that the list does not hold (typed earlier): keep it selectable
  const typed = current !== null && current !== undefined && typeof current === 'object' && !fixed.some((f) => f.value === String(current.value)) ? String(current.value) : null
  const free = target.kind !== 'code' && target.kind !== 'enum' && target.kind !== 'boolean'
  const sendConstant = () => {
    const raw = constant.trim()
    if (!raw) return
    const value = target.kind === 'integer' || target.kind === 'number' ? Number(raw) : raw
    setTyping(false)
    onChange({ value: typeof value === 'number' && !Number.isFinite(value) ? raw : value })
  }
  const onSelect = (v: string) => {
    if (v === 'const') {
      setTyping(true)
      return
    }
    setTyping(false)
    if (v === '') onChange(null)
    else if (v.startsWith('f:')) onChange(v.slice(2))
    else {
      const raw = v.slice(2)
      onChange({ value: target.kind === 'boolean' ? raw === 'true' : target.kind === 'integer' || target.kind === 'number' ? Number(raw) : raw })
    }
  }
  const missing = target.required && (current === null || current === undefined)
  return (
    <tr data-testid={`map-row-${target.key}`} data-source={chosen} className={missing ? 'missing' : undefined}>
      <td>
        <b>{lang === 'zh-CN' ? target.zh : target.en}</b>
        {target.required && <span className="required-mark" title={t('ob.map.required')}>＊{t('ob.map.required')}</span>}
        <div className="muted small">
          {lang === 'zh-CN' ? `${target.en} · ` : `${target.zh} · `}
          {t(`ob.kind.${target.kind}`)}
        </div>
        {target.values && (
          <div className="muted small values">
            {t('ob.map.values')}
            {target.values
              .slice(0, 12)
              .map((v) => v.zh)
              .join('、')}
            {target.values.length > 12 ? '…' : ''}
          </div>
        )}
      </td>
      <td>
        <select value={typing ? 'const' : chosen} disabled={busy} onChange={(e) => onSelect(e.target.value)} data-testid={`map-${target.key}`}>
          <option value="">{t('ob.map.none')}</option>
          <optgroup label={t('ob.map.fields')}>
            {imp.fields.map((f) => (
              <option key={f.name} value={`f:${f.name}`}>
                {f.name}
                {f.samples.length > 0 ? `（${f.samples.slice(0, 2).join('、')}）` : ''}
              </option>
            ))}
          </optgroup>
          {(fixed.length > 0 || free || typed !== null) && (
            <optgroup label={t('ob.map.constant')}>
              {fixed.map((f) => (
                <option key={f.value} value={`v:${f.value}`}>
                  {f.label}
                </option>
              ))}
              {typed !== null && <option value={`v:${typed}`}>{typed}</option>}
              {free && <option value="const">{t('ob.map.constantOther')}</option>}
            </optgroup>
          )}
        </select>
        {typing && (
          <span className="constant-input">
            <input
              value={constant}
              autoFocus
              type={target.kind === 'integer' || target.kind === 'number' ? 'number' : target.kind === 'date' ? 'date' : 'text'}
              onChange={(e) => setConstant(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault()
                  sendConstant()
                }
              }}
              data-testid={`map-${target.key}-constant`}
            />
            <button type="button" onClick={sendConstant} disabled={busy || !constant.trim()}>
              {t('ob.map.apply')}
            </button>
          </span>
        )}
      </td>
      <td className="samples">{field ? field.samples.slice(0, 5).join('、') || '—' : typeof current === 'object' && current !== null ? String(current.value) : '—'}</td>
    </tr>
  )
}
