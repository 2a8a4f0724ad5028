// "Download this area": the map of the tasks' surroundings and the tasks' records, for work with
// no network; the size is estimated first against what the phone lets the app store.
import { useEffect, useRef, useState } from 'react'
import type { Meta } from '../../api.ts'
import type { Task } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { downloadArea, grow, imageryUrls, keepRecords, planArea, union, type AreaPlan, type Bbox, type Progress } from '../../offline/area.ts'
import { taskImagery } from './task-imagery.ts'

const COLLECTION: Readonly<Record<Task['target']['kind'], string>> = { case: 'cases', detection: 'detections', parcel: 'parcels' }

/** The reads a task needs offline: its record, photos and geometry (and a patch's batch), besides the app's own. */
export function recordUrls(tasks: readonly Task[], batchIds: readonly number[]): string[] {
  const urls = ['/api/auth/me', '/api/meta', '/api/my/tasks', '/ogc/collections', ...['cases', 'detections', 'parcels'].map((c) => `/ogc/collections/${c}/queryables`)]
  for (const task of tasks) {
    const { kind, id } = task.target
    urls.push(`/ogc/collections/${COLLECTION[kind]}/items/${id}`)
    if (kind !== 'parcel') {
      const base = kind === 'case' ? `/api/cases/${id}` : `/api/detections/${id}`
      urls.push(base, `${base}/attachments`)
    }
  }
  return [...urls, ...batchIds.map((id) => `/api/detection-batches/${id}`)]
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

export function AreaPanel({ meta, tasks, online }: { meta: Meta; tasks: readonly Task[]; online: boolean }) {
  const { t } = useI18n()
  const [plan, setPlan] = useState<AreaPlan | null>(null)
  const [progress, setProgress] = useState<Progress | null>(null)
  const [result, setResult] = useState<{ p: Progress; records: number } | null>(null)
  const abort = useRef<AbortController | null>(null)
  const area = union(tasks.map((x) => x.target.bbox as Bbox))
  const bbox = area ? grow(area, 500) : null
  const key = bbox?.map((n) => n.toFixed(5)).join(',') ?? ''

  const [batchIds, setBatchIds] = useState<number[]>([])
  useEffect(() => {
    if (!bbox) return
    const ctl = new AbortController()
    // the patches' before/after imagery, 100 m around each, where the batch's imagery is the app's own
    void Promise.all(tasks.map((task) => taskImagery(task, ctl.signal).then((t) => ({ task, t }), () => ({ task, t: null }))))
      .then((found) => {
        const imagery = found.flatMap(({ task, t }) => (t ? [t.imagery.before, t.imagery.after].filter((s) => s?.type === 'xyz').flatMap((s) => imageryUrls(s!.url, grow(task.target.bbox as Bbox, 100))) : []))
        setBatchIds([...new Set(found.flatMap(({ t }) => (t ? [t.batchId] : [])))])
        return planArea(bbox, meta.layers.map((l) => l.tiles), [...new Set(imagery)])
      })
      .then((p) => !ctl.signal.aborted && setPlan(p))
    return () => ctl.abort()
    // keyed by the box as text, so a new array of the same box does not plan again
  }, [key, meta])

  const start = async () => {
    if (!plan) return
    abort.current = new AbortController()
    setResult(null)
    const p = await downloadArea(plan.urls, setProgress, abort.current.signal)
    const records = await keepRecords(recordUrls(tasks, batchIds))
    setProgress(null)
    setResult({ p, records })
  }

  if (!bbox) return <p className="task-none">{t('field.area.noTasks')}</p>
  return (
    <section className="area-panel" data-testid="area-panel">
      <p>{t('field.area.intro')}</p>
      {plan && (
        <ul className="area-plan">
          <li>{t('field.area.tiles', { n: plan.urls.length })}</li>
          <li>{t('field.area.estimate', { size: mb(plan.estimatedBytes) })}</li>
          {plan.availableBytes !== null && <li>{t('field.area.available', { size: mb(plan.availableBytes) })}</li>}
        </ul>
      )}
      {plan && !plan.fits && <p className="field-error">{t('field.area.tooBig')}</p>}
      {!online && <p className="field-error">{t('field.area.offline')}</p>}
      {progress ? (
        <>
          <progress max={progress.total} value={progress.done} />
          <p role="status">{t('field.area.progress', { done: progress.done, total: progress.total, size: mb(progress.bytes) })}</p>
          <button type="button" onClick={() => abort.current?.abort()}>{t('field.area.cancel')}</button>
        </>
      ) : (
        <button type="button" className="primary" disabled={!plan?.fits || !online} onClick={() => void start()} data-testid="area-download">
          {t('field.area.start')}
        </button>
      )}
      {result && (
        <p role="status" data-testid="area-done">
          {t('field.area.done', { done: result.p.done - result.p.failed, size: mb(result.p.bytes), records: result.records })}
          {result.p.failed > 0 && ` ${t('field.area.failed', { n: result.p.failed })}`}
        </p>
      )}
    </section>
  )
}
