// One case: its attributes, a site map, the steps it can take next (one form per allowed action),
// photos (camera or file, uploaded as they are) and the timeline from /history (全程留痕).
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import { ApiError, type Bbox, type Meta } from '../api.ts'
import { geometryBbox } from '../geo/bbox.ts'
import { fmtArea, fmtDate, fmtDateTime } from '../format.ts'
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import {
  attachmentUrl,
  caseHistory,
  editCase,
  getCase,
  listAttachments,
  uploadAttachment,
  type Attachment,
  type HistoryEntry,
  type VersionedCase,
} from '../ledger-api.ts'
import { OverdueBadges, StatusPill } from './LedgerPanel.tsx'
import { SiteMap } from './SiteMap.tsx'
import { TransitionForm } from './TransitionForm.tsx'
import { EditCaseForm } from './EditCaseForm.tsx'
import { InspectionForm } from './InspectionForm.tsx'

export interface CasePanelProps {
  caseId: number
  meta: Meta
  onBack(): void
  /** The case changed (a step, a photo): the table and the map refresh. */
  onChanged(c: VersionedCase): void
  onZoomTo(bbox: Bbox): void
  /** Opens another case in the page (a rebound found by 回头看). */
  onOpenCase?(id: number): void
  /** The next click on the main map as lon/lat (null: cancelled), to place a 待定位 case. */
  onPickPoint?(): Promise<[number, number] | null>
  onCancelPick?(): void
  onSessionLost(): void
}

const ATTACHMENT_STAGES = new Set(['identified', 'notified', 'order_issued', 'demolished', 'accepted'])

function Timeline({ history }: { history: HistoryEntry[] }) {
  const { t, label, lookup } = useI18n()
  const actionLabel = (a: string): string => {
    if (a.startsWith('transition:')) return lookup(`action.${a.slice('transition:'.length)}`) ?? a
    const key: Record<string, MessageKey> = {
      create: 'history.create',
      edit: 'history.edit',
      attach: 'history.attach',
      inspect: 'history.inspect',
      'refused:stale_version': 'history.refused',
      import: 'history.import',
    }
    return key[a] ? t(key[a]) : a
  }
  const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const changes = (h: HistoryEntry): ReactNode => {
    if (h.action !== 'edit' || !h.before || !h.after || typeof h.before !== 'object' || typeof h.after !== 'object') return null
    const b = h.before as Record<string, unknown>
    const a = h.after as Record<string, unknown>
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    return (
      <ul className="changes">
        {keys.map((k) => (
          <li key={k} data-testid="history-change">
            <span className="change-key">{k}</span>: {show(b[k])} → {show(a[k])}
          </li>
        ))}
      </ul>
    )
  }
  if (history.length === 0) return <p className="empty">{t('history.empty')}</p>
  return (
    <ol className="timeline" data-testid="timeline">
      {history.map((h, i) => (
        <li key={h.id ?? i} data-testid="timeline-entry" data-action={h.action}>
          <div className="tl-head">
            <b>{actionLabel(h.action)}</b>
            {h.toStatus && h.fromStatus !== h.toStatus && (
              <span className="tl-status">
                {h.fromStatus ? `${label('caseStatus', h.fromStatus)} → ` : ''}
                {label('caseStatus', h.toStatus)}
              </span>
            )}
          </div>
          <div className="tl-meta">
            {fmtDateTime(h.at)} · {h.user ?? t('history.system')}
          </div>
          {h.reason && <div className="tl-reason">{h.reason}</div>}
          {changes(h)}
        </li>
      ))}
    </ol>
  )
}

interface Upload {
  file: File
  clientId: string
  progress: number
  state: 'uploading' | 'failed' | 'done'
  error?: string
  result?: Attachment
}

function Photos({ caseId, stage, onUploaded }: { caseId: number; stage: string; onUploaded(): void }) {
  const { t } = useI18n()
  const [list, setList] = useState<Attachment[]>([])
  const [upload, setUpload] = useState<Upload | null>(null)
  const reload = useCallback(() => {
    listAttachments(caseId)
      .then(setList)
      .catch(() => setList([]))
  }, [caseId])
  useEffect(reload, [reload])

  const send = async (u: Upload) => {
    setUpload({ ...u, state: 'uploading', progress: 0 })
    try {
      // The file as it is: no canvas, no resizing, so the EXIF time and GPS reach the server.
      const result = await uploadAttachment(caseId, u.file, {
        clientId: u.clientId,
        ...(ATTACHMENT_STAGES.has(stage) ? { stage } : {}),
        onProgress: (p) => setUpload((old) => (old && old.clientId === u.clientId ? { ...old, progress: p } : old)),
      })
      setUpload({ ...u, state: 'done', progress: 1, result })
      reload()
      onUploaded()
    } catch (e) {
      setUpload({ ...u, state: 'failed', error: e instanceof Error ? e.message : String(e) })
    }
  }
  const onFile = (files: FileList | null) => {
    const file = files?.[0]
    // One clientId per chosen file: a retry of the same file is the same upload to the server.
    if (file) void send({ file, clientId: crypto.randomUUID(), progress: 0, state: 'uploading' })
  }
  const gpsText = (a: Attachment) => (a.location ? t('photo.gps') : t('photo.noGps'))

  return (
    <div className="photos">
      <div className="photo-inputs">
        <label className="button primary">
          {t('photo.take')}
          <input type="file" accept="image/*" capture="environment" onChange={(e) => (onFile(e.target.files), (e.target.value = ''))} hidden data-testid="photo-camera" />
        </label>
        <label className="button">
          {t('photo.pick')}
          <input type="file" accept="image/jpeg,image/png,image/webp,application/pdf" onChange={(e) => (onFile(e.target.files), (e.target.value = ''))} hidden data-testid="photo-file" />
        </label>
        <small>{t('photo.hint')}</small>
      </div>
      {upload && (
        <div className="upload-status" data-testid="upload-status" data-state={upload.state}>
          {upload.state === 'uploading' && (
            <>
              {t('photo.uploading', { name: upload.file.name, pct: Math.round(upload.progress * 100) })}
              <progress max={1} value={upload.progress} />
            </>
          )}
          {upload.state === 'failed' && (
            <span role="alert">
              {t('photo.failed')}: {upload.error}{' '}
              <button type="button" onClick={() => void send(upload)} data-testid="upload-retry">
                {t('photo.retry')}
              </button>
            </span>
          )}
          {upload.state === 'done' && upload.result && (
            <span data-testid="upload-read">
              {t('photo.read', {
                time: upload.result.takenAt ? fmtDateTime(upload.result.takenAt) : t('photo.noTime'),
                gps: upload.result.location ? `${gpsText(upload.result)} ${upload.result.location.map((x) => x.toFixed(6)).join(', ')}` : gpsText(upload.result),
              })}
            </span>
          )}
        </div>
      )}
      {list.length === 0 ? (
        <p className="empty">{t('photo.none')}</p>
      ) : (
        <ul className="photo-list" data-testid="photo-list">
          {list.map((a) => (
            <li key={a.id} data-testid="photo" data-id={a.id} data-gps={a.location ? 'yes' : 'no'}>
              <a href={attachmentUrl(a.id)} target="_blank" rel="noreferrer">
                {a.kind === 'photo' || a.mimeType?.startsWith('image/') ? (
                  <img src={attachmentUrl(a.id)} alt={a.fileName} loading="lazy" data-testid="photo-thumb" />
                ) : (
                  <span className="doc">{a.fileName}</span>
                )}
              </a>
              <div className="photo-meta">
                <span>{a.takenAt ? fmtDateTime(a.takenAt) : t('photo.noTime')}</span>
                <span className={a.location ? 'gps yes' : 'gps no'} data-testid="photo-gps">
                  {gpsText(a)}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/**
 * 待定位: a case carried over from a ledger without coordinates sits at a point on its village until
 * someone places it: a click on the map, saved with If-Match; the case then appears on the map.
 */
function LocatePending({ c, onPickPoint, onCancelPick, onDone, onReload }: {
  c: VersionedCase
  onPickPoint(): Promise<[number, number] | null>
  onCancelPick?(): void
  onDone(next: VersionedCase): void
  onReload(): void
}) {
  const { t } = useI18n()
  const [state, setState] = useState<'idle' | 'picking' | 'saving'>('idle')
  const [error, setError] = useState<string | null>(null)
  const cancel = useRef(onCancelPick)
  useEffect(() => {
    cancel.current = onCancelPick
  })
  useEffect(() => () => cancel.current?.(), [])
  const place = async () => {
    setError(null)
    setState('picking')
    const point = await onPickPoint()
    if (!point) return setState('idle')
    setState('saving')
    try {
      onDone(await editCase(c.data.id, c.etag, { geometry: { type: 'Point', coordinates: point } }))
    } catch (e) {
      setState('idle')
      if (e instanceof ApiError && e.status === 412) {
        setError(t('case.locate.stale'))
        onReload()
      } else setError(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <div className="notice-inline" role="status" data-testid="case-pending" data-state={state}>
      <p>{t('case.locate.pending')}</p>
      {state === 'picking' ? (
        <p>
          <b data-testid="case-locate-hint">{t('case.locate.hint')}</b>{' '}
          <button type="button" className="link-button" onClick={() => onCancelPick?.()} data-testid="case-locate-cancel">
            {t('case.locate.cancel')}
          </button>
        </p>
      ) : (
        <button type="button" className="primary" disabled={state === 'saving'} onClick={() => void place()} data-testid="case-locate">
          {t('case.locate.button')}
        </button>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="case-locate-error">
          {error}
        </p>
      )}
    </div>
  )
}

export function CasePanel({ caseId, meta, onBack, onChanged, onZoomTo, onOpenCase, onPickPoint, onCancelPick, onSessionLost }: CasePanelProps) {
  const { t, label } = useI18n()
  const [c, setC] = useState<VersionedCase | null>(null)
  const [history, setHistory] = useState<HistoryEntry[]>([])
  const [error, setError] = useState<string | null>(null)
  const [action, setAction] = useState<string | null>(null)
  /** The other forms: 编辑信息 and 回头看 (not lifecycle steps). */
  const [form, setForm] = useState<'edit' | 'inspect' | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const [changes, setChanges] = useState(0)
  const lost = useRef(onSessionLost)
  useEffect(() => {
    lost.current = onSessionLost
  })

  const load = useCallback(async () => {
    try {
      const [next, h] = await Promise.all([getCase(caseId), caseHistory(caseId)])
      setC(next)
      setHistory(h)
      setError(null)
      return next
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) lost.current()
      else setError(e instanceof Error ? e.message : String(e))
      return null
    }
  }, [caseId])
  useEffect(() => {
    setC(null)
    setAction(null)
    setForm(null)
    setDone(null)
    void load()
  }, [load])

  const afterStep = (next: VersionedCase, what: string) => {
    setC(next)
    setAction(null)
    setForm(null)
    setDone(what)
    setChanges((n) => n + 1)
    void caseHistory(caseId).then(setHistory, () => undefined)
    onChanged(next)
  }

  if (error && !c) {
    return (
      <section className="case-panel" data-testid="case-panel" data-state="error">
        <button type="button" className="link-button" onClick={onBack} data-testid="case-back">
          ← {t('case.back')}
        </button>
        <div className="form-error" role="alert">
          {t('case.error')}: {error}
        </div>
      </section>
    )
  }
  if (!c) {
    return (
      <section className="case-panel" data-testid="case-panel" data-state="loading">
        <p className="empty">{t('case.loading')}</p>
      </section>
    )
  }
  const d = c.data
  const bbox = geometryBbox(d.geometry)
  const attrs: [string, ReactNode][] = [
    [t('prop.case_no'), d.caseNo],
    [t('case.attr.adminName'), `${d.adminName}（${d.adminCode}）`],
    [t('prop.location_text'), d.locationText ?? '—'],
    [t('prop.use'), label('caseUse', d.use)],
    [t('prop.source'), label('caseSource', d.source)],
    [t('prop.ownership'), d.ownership ? label('ownership', d.ownership) : '—'],
    [t('prop.building_form'), d.buildingForm ?? '—'],
    [t('prop.floors'), d.floors ?? '—'],
    [t('case.attr.flags'), d.flags.length ? d.flags.map((f) => label('caseFlag', f)).join('、') : '—'],
    [t('case.attr.newConstruction'), d.newConstruction ? t('value.yes') : t('value.no')],
    [t('prop.land_area_recorded_m2'), fmtArea(d.landAreaRecordedM2)],
    [t('prop.floor_area_recorded_m2'), fmtArea(d.floorAreaRecordedM2)],
    [t('prop.land_area_computed_m2'), fmtArea(d.landAreaComputedM2)],
    [t('prop.floor_area_computed_m2'), fmtArea(d.floorAreaComputedM2)],
    [t('prop.found_at'), fmtDateTime(d.foundAt)],
    [t('case.attr.reachedAt'), fmtDateTime(d.reachedAt)],
    [t('case.attr.notifiedAt'), fmtDateTime(d.notifiedAt)],
    [t('case.attr.orderIssuedAt'), fmtDateTime(d.orderIssuedAt)],
    [t('prop.deadline'), fmtDate(d.deadline)],
    [t('prop.disposal'), d.disposal ? label('disposal', d.disposal) : '—'],
    [t('case.attr.disposalReason'), d.disposalReason ?? '—'],
    [t('prop.disposed_at'), fmtDateTime(d.disposedAt)],
    [t('prop.demolished_land_area_m2'), fmtArea(d.demolishedLandAreaM2)],
    [t('prop.demolished_floor_area_m2'), fmtArea(d.demolishedFloorAreaM2)],
    [t('prop.reuse'), d.reuse ? label('reuse', d.reuse) : '—'],
    [t('prop.regreened_area_m2'), fmtArea(d.regreenedAreaM2)],
    [t('case.attr.acceptedAt'), fmtDateTime(d.acceptedAt)],
    [t('prop.closed_at'), fmtDateTime(d.closedAt)],
  ]

  return (
    <section className="case-panel" data-testid="case-panel" data-state="ok" data-case-id={d.id} data-status={d.status} data-version={d.version}>
      <div className="case-top">
        <button type="button" className="link-button" onClick={onBack} data-testid="case-back">
          ← {t('case.back')}
        </button>
        {bbox && (
          <button type="button" className="link-button" onClick={() => onZoomTo(bbox)} data-testid="case-zoom">
            {d.locationPending ? t('case.zoomToVillage') : t('case.zoomTo')}
          </button>
        )}
      </div>
      <h2 className="case-title">
        <span data-testid="case-no">{d.caseNo}</span> <span data-testid="case-status">{<StatusPill status={d.status} />}</span>{' '}
        <OverdueBadges overdue={d.overdue} />
        <small className="version">{t('case.version', { v: d.version })}</small>
      </h2>

      {d.locationPending && onPickPoint && (
        <LocatePending key={c.etag} c={c} onPickPoint={onPickPoint} onCancelPick={onCancelPick} onDone={(next) => afterStep(next, t('case.locate.done'))} onReload={() => void load()} />
      )}
      <div className="case-grid">
        <div>
          <h3>{t('case.actions')}</h3>
          {done && !action && !form && (
            <p className="done" role="status" data-testid="step-done">
              {t('form.done', { action: done })}
            </p>
          )}
          {d.allowedActions.length === 0 ? (
            <p className="empty">{t('case.noActions')}</p>
          ) : (
            <div className="action-buttons">
              {d.allowedActions.map((a) => (
                <button
                  key={a}
                  type="button"
                  className={action === a ? 'primary' : undefined}
                  onClick={() => {
                    setForm(null)
                    setAction(action === a ? null : a)
                  }}
                  data-testid={`action-${a}`}
                >
                  {t(`action.${a}` as MessageKey)}
                </button>
              ))}
            </div>
          )}
          <div className="action-buttons">
            <button
              type="button"
              className={form === 'edit' ? 'primary' : undefined}
              onClick={() => {
                setAction(null)
                setForm(form === 'edit' ? null : 'edit')
              }}
              data-testid="edit-case"
            >
              {t('edit.open')}
            </button>
            {d.status === 'closed' && (
              <button
                type="button"
                className={form === 'inspect' ? 'primary' : undefined}
                onClick={() => {
                  setAction(null)
                  setForm(form === 'inspect' ? null : 'inspect')
                }}
                data-testid="reinspect-case"
              >
                {t('inspect.open')}
              </button>
            )}
          </div>
          {form === 'edit' && (
            <EditCaseForm
              key={c.etag}
              caseData={d}
              etag={c.etag}
              onDone={(next) => afterStep(next, t('edit.title'))}
              onCancel={() => setForm(null)}
              onReload={() => {
                setForm(null)
                void load()
              }}
            />
          )}
          {form === 'inspect' && (
            <InspectionForm
              caseId={d.id}
              onDone={() => {
                void caseHistory(caseId).then(setHistory, () => undefined)
                onChanged(c)
              }}
              onCancel={() => setForm(null)}
              onOpenCase={(id) => onOpenCase?.(id)}
            />
          )}
          {action && (
            <TransitionForm
              key={`${action}-${c.etag}`}
              caseId={d.id}
              etag={c.etag}
              action={action}
              onDone={(next) => afterStep(next, t(`action.${action}` as MessageKey))}
              onCancel={() => setAction(null)}
              onReload={() => {
                setAction(null)
                void load()
              }}
            />
          )}
        </div>
        <div>
          <h3>{t('case.siteMap')}</h3>
          <SiteMap meta={meta} geometry={d.geometry} refreshKey={changes} />
        </div>
      </div>

      <h3>{t('case.attributes')}</h3>
      <table className="attrs" data-testid="case-attrs">
        <tbody>
          {attrs.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {d.parties && d.parties.length > 0 && (
        <>
          {/* Personal data: the server sends it only to roles that act on the case. */}
          <h3>{t('case.parties')}</h3>
          <table className="attrs" data-testid="case-parties">
            <tbody>
              {d.parties.map((p, i) => (
                <tr key={i}>
                  <th>{p.name}</th>
                  <td>{[p.idNumber, p.phone].filter(Boolean).join(' · ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <h3>{t('case.photos')}</h3>
      <Photos caseId={d.id} stage={d.status} onUploaded={() => void caseHistory(caseId).then(setHistory, () => undefined)} />

      <h3>{t('case.timeline')}</h3>
      <Timeline history={history} />
    </section>
  )
}
