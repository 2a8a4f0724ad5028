// One patch: what it is, what screening found, before/after imagery, site photos (camera or file,
// uploaded as they are so their GPS survives), the step forms it allows, and its timeline.
import { useCallback, useEffect, useState } from 'react'
import type { Geometry } from 'geojson'
import { ApiError } from '../api.ts'
import { fmtArea, fmtDateTime } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { attachmentUrl, type Attachment } from '../ledger-api.ts'
import { getPatch, patchHistory, patchPhotos, uploadPatchPhoto, type BatchImagery, type DetectionHistoryEntry, type VersionedPatch } from '../patches-api.ts'
import { ImageryCompare } from './ImageryCompare.tsx'
import { AssignForm, ReopenForm, VerifyForm } from './PatchForms.tsx'
import { FlagChips, PatchPill } from './PatchesPanel.tsx'

export interface PatchPanelProps {
  patchId: number
  imagery: BatchImagery | null
  canAct: boolean
  canReopen: boolean
  onBack(): void
  onChanged(p: VersionedPatch): void
  onZoomTo(bbox: [number, number, number, number]): void
  onOpenCase(id: number): void
  onSessionLost(): void
}

type Screening = {
  openCases?: { id: number; caseNo: string; status: string; overlapM2: number }[]
  closedCases?: { id: number; caseNo: string; status: string; overlapM2: number; closedAt: string | null }[]
  landClasses?: { landClass: string; overlapM2: number }[]
  permittedBuildings?: { id: number; permitNo: string; overlapM2: number }[]
  bufferZones?: { id: number; family: string; class: string; name: string }[]
  keyVillages?: { code: string; name: string }[]
  screenedAt?: string
}

function ScreeningView({ s, onOpenCase }: { s: Screening; onOpenCase(id: number): void }) {
  const { t, label } = useI18n()
  const none = <span className="muted">{t('patch.none')}</span>
  return (
    <dl className="screening" data-testid="screening">
      <dt>{t('patch.scr.open')}</dt>
      <dd data-testid="scr-open">
        {s.openCases?.length
          ? s.openCases.map((c) => (
              <button key={c.id} type="button" className="link-button" onClick={() => onOpenCase(c.id)}>
                {c.caseNo}（{label('caseStatus', c.status)}，{fmtArea(c.overlapM2)} ㎡）
              </button>
            ))
          : none}
      </dd>
      <dt>{t('patch.scr.closed')}</dt>
      <dd>
        {s.closedCases?.length
          ? s.closedCases.map((c) => (
              <button key={c.id} type="button" className="link-button" onClick={() => onOpenCase(c.id)}>
                {c.caseNo}（{label('caseStatus', c.status)}）
              </button>
            ))
          : none}
      </dd>
      <dt>{t('patch.scr.land')}</dt>
      <dd data-testid="scr-land">{s.landClasses?.length ? s.landClasses.map((l) => `${label('landClass', l.landClass)} ${fmtArea(l.overlapM2)} ㎡`).join('；') : none}</dd>
      <dt>{t('patch.scr.permits')}</dt>
      <dd>{s.permittedBuildings?.length ? s.permittedBuildings.map((b) => b.permitNo).join('；') : none}</dd>
      <dt>{t('patch.scr.buffers')}</dt>
      <dd>{s.bufferZones?.length ? s.bufferZones.map((z) => z.name).join('；') : none}</dd>
      <dt>{t('patch.scr.keyVillages')}</dt>
      <dd>{s.keyVillages?.length ? s.keyVillages.map((v) => v.name).join('；') : none}</dd>
    </dl>
  )
}

function historyLabel(t: (k: MessageKey) => string, lookup: (k: string) => string | undefined, action: string) {
  return lookup(`patch.history.${action.replace(':', '_')}`) ?? action
}

export function PatchPanel({ patchId, imagery, canAct, canReopen, onBack, onChanged, onZoomTo, onOpenCase, onSessionLost }: PatchPanelProps) {
  const { t, label, lookup } = useI18n()
  const [p, setP] = useState<VersionedPatch | null>(null)
  const [photos, setPhotos] = useState<Attachment[]>([])
  const [history, setHistory] = useState<DetectionHistoryEntry[]>([])
  const [error, setError] = useState<string | null>(null)
  const [form, setForm] = useState<string | null>(null)
  const [upload, setUpload] = useState<{ name: string; progress: number; error?: string } | null>(null)

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const [d, ph, h] = await Promise.all([getPatch(patchId, signal), patchPhotos(patchId, signal), patchHistory(patchId, signal)])
        setP(d)
        setPhotos(ph)
        setHistory(h)
        setError(null)
      } catch (e) {
        if (signal?.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        else setError(e instanceof Error ? e.message : String(e))
      }
    },
    [patchId, onSessionLost],
  )
  useEffect(() => {
    const ctl = new AbortController()
    setForm(null)
    void load(ctl.signal)
    return () => ctl.abort()
  }, [load])

  const done = (next: VersionedPatch) => {
    setP(next)
    setForm(null)
    onChanged(next)
    void load()
  }

  const onFiles = async (files: FileList | null) => {
    if (!files) return
    for (const file of Array.from(files)) {
      setUpload({ name: file.name, progress: 0 })
      try {
        await uploadPatchPhoto(patchId, file, crypto.randomUUID(), (f) => setUpload({ name: file.name, progress: f }))
        setUpload(null)
      } catch (e) {
        setUpload({ name: file.name, progress: 0, error: e instanceof Error ? e.message : String(e) })
        return
      }
    }
    await load()
  }

  if (error) return <div className="form-error" role="alert">{error}</div>
  if (!p) return <p className="empty">{t('patch.loading')}</p>
  const d = p.data
  const s = d.screening as Screening
  const formProps = { patch: d, etag: p.etag, onDone: done, onCancel: () => setForm(null), onReload: () => void load() }

  return (
    <article className="case-panel patch-panel" data-testid="patch-panel" data-status={d.status} data-result={d.result ?? ''} data-version={d.version}>
      <div className="case-head">
        <button type="button" className="link-button" onClick={onBack} data-testid="patch-back">
          ‹ {t('patch.back')}
        </button>
        <h3 data-testid="patch-no">{d.patchNo}</h3>
        <PatchPill status={d.status} result={d.result} />
        {d.overdue && <span className="overdue-badge">{t('patch.overdue')}</span>}
        <button type="button" className="link-button" onClick={() => onZoomTo(d.bbox)} data-testid="patch-zoom">
          {t('patch.zoomTo')}
        </button>
      </div>
      <dl className="case-attrs">
        <dt>{t('patch.batch')}</dt>
        <dd>{d.batchName}</dd>
        <dt>{t('patch.col.village')}</dt>
        <dd>{d.adminName}</dd>
        <dt>{t('patch.col.change')}</dt>
        <dd>{label('changeType', d.changeType)}</dd>
        <dt>{t('patch.col.area')}</dt>
        <dd data-testid="patch-area">
          {fmtArea(d.areaM2)} ㎡{d.recordedAreaM2 !== null && ` （${t('patch.recorded')} ${fmtArea(d.recordedAreaM2)} ㎡）`}
        </dd>
        {d.confidence !== null && (
          <>
            <dt>{t('patch.confidence')}</dt>
            <dd>{Math.round(d.confidence * 100)}%</dd>
          </>
        )}
        <dt>{t('patch.deadline')}</dt>
        <dd>{d.deadline ?? '—'}</dd>
        {d.assignment && (
          <>
            <dt>{t('patch.assignee')}</dt>
            <dd data-testid="patch-assignee">
              {d.assignment.assignee}
              {d.assignment.note ? `：${d.assignment.note}` : ''}
            </dd>
          </>
        )}
      </dl>

      {d.status === 'verified' && (
        <section className="patch-result" data-testid="patch-result">
          <h4>{t('patch.result')}</h4>
          <p>
            <PatchPill status={d.status} result={d.result} /> {fmtDateTime(d.verifiedAt)} {d.verifiedBy}
          </p>
          {d.result === 'violation' && d.caseId !== null && (
            <p>
              {t('patch.case')}{' '}
              <button type="button" className="link-button" onClick={() => onOpenCase(d.caseId!)} data-testid="patch-case-link">
                {d.caseNo}
              </button>
            </p>
          )}
          {d.permitRef && <p>{t('patch.permitRef')}：{d.permitRef}</p>}
          {d.resultReason && <p>{t('patch.cause')}：{t(`patch.cause.${d.resultReason}` as MessageKey)}</p>}
          {d.resultNote && <p>{t('patch.note')}：{d.resultNote}</p>}
          {d.noPhotoReason && <p>{t('patch.noPhotoReason')}：{d.noPhotoReason}</p>}
        </section>
      )}

      <section>
        <h4>
          {t('patch.screening')} <FlagChips flags={d.flags} />
        </h4>
        <ScreeningView s={s} onOpenCase={onOpenCase} />
      </section>

      {imagery && (
        <section>
          <h4>{t('patch.imagery')}</h4>
          <ImageryCompare imagery={imagery} beforeDate={d.beforeDate} afterDate={d.afterDate} geometry={d.geometry as Geometry} bbox={d.bbox} />
        </section>
      )}

      <section className="photos">
        <h4>
          {t('patch.photos')} <small data-testid="photo-evidence">{t('patch.photoCount', { n: d.photos.photos, near: d.photos.near, m: d.photoMaxM })}</small>
        </h4>
        <ul className="photo-grid" data-testid="photo-list">
          {photos.map((a) => (
            <li key={a.id}>
              {a.kind === 'photo' ? <img src={attachmentUrl(a.id)} alt={a.fileName} loading="lazy" /> : <a href={attachmentUrl(a.id)}>{a.fileName}</a>}
              <small>{a.location ? t('patch.gps') : t('patch.noGps')}</small>
            </li>
          ))}
        </ul>
        {canAct && (
          <div className="photo-buttons">
            <label className="button">
              {t('patch.takePhoto')}
              <input type="file" accept="image/*" capture="environment" hidden onChange={(e) => (void onFiles(e.target.files), (e.target.value = ''))} data-testid="patch-photo-camera" />
            </label>
            <label className="button">
              {t('patch.choosePhoto')}
              <input type="file" accept="image/jpeg,image/png,image/webp,application/pdf" multiple hidden onChange={(e) => (void onFiles(e.target.files), (e.target.value = ''))} data-testid="patch-photo-file" />
            </label>
          </div>
        )}
        {upload && (
          <p className={upload.error ? 'form-error' : 'muted'} role={upload.error ? 'alert' : 'status'} data-testid="photo-upload">
            {upload.name} {upload.error ?? `${Math.round(upload.progress * 100)}%`}
          </p>
        )}
      </section>

      {canAct && (
        <section className="case-actions">
          {form === null && (
            <div className="action-buttons">
              {d.allowedActions
                .filter((a) => a !== 'reopen' || canReopen)
                .map((a) => (
                  <button key={a} type="button" className={a === 'verify' ? 'primary' : undefined} onClick={() => setForm(a)} data-testid={`patch-action-${a}`}>
                    {t(`patch.action.${a}` as MessageKey)}
                  </button>
                ))}
            </div>
          )}
          {form === 'verify' && <VerifyForm {...formProps} nearPhotos={d.photos.near} />}
          {form === 'assign' && <AssignForm {...formProps} />}
          {form === 'reopen' && <ReopenForm {...formProps} />}
        </section>
      )}

      <section>
        <h4>{t('patch.history')}</h4>
        <ol className="timeline" data-testid="patch-history">
          {history.map((h) => (
            <li key={h.id}>
              <time>{fmtDateTime(h.at)}</time> <b>{historyLabel(t, lookup, h.action)}</b> {h.user ?? ''}
              {h.toStatus && h.fromStatus && ` ${label('detectionStatus', h.fromStatus)} → ${label('detectionStatus', h.toStatus)}`}
              {h.reason && <span className="muted">：{h.reason}</span>}
            </li>
          ))}
        </ol>
      </section>
    </article>
  )
}
