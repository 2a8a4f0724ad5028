// A write refused because the record changed meanwhile (412): mine and theirs side by side. For
// an edit, field by field: keep theirs or mine, and the chosen values are sent on their version;
// for an action (verify, demolish), send it again on their version or drop it. The server keeps
// both in the history: theirs as made, mine as a refused stale write, then what was chosen.
import { useEffect, useState } from 'react'
import { request } from '../../api.ts'
import { fmtDateTime } from '../../format.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { discard, retry, type QueuedOp } from '../../offline/outbox.ts'

interface Theirs {
  record: Record<string, unknown>
  etag: string
  who: string | null
  at: string | null
}

const RECORD_URL: Readonly<Record<QueuedOp['record']['kind'], (id: number) => string>> = {
  case: (id) => `/api/cases/${id}`,
  detection: (id) => `/api/detections/${id}`,
  assignment: (id) => `/api/assignments/${id}`,
  survey: (id) => `/api/surveys/${id}`,
}

async function loadTheirs(op: QueuedOp): Promise<Theirs> {
  const url = RECORD_URL[op.record.kind](op.record.id)
  const res = await request('GET', url, undefined, undefined, { 'Cache-Control': 'no-cache' })
  const record = (await res.json()) as Record<string, unknown>
  let who: string | null = null
  let at: string | null = null
  if (op.record.kind !== 'assignment') {
    const h = (await (await request('GET', `${url}/history`)).json()) as { history: { user: string | null; at: string; action: string }[] }
    const last = h.history.filter((e) => !e.action.startsWith('refused')).at(-1)
    who = last?.user ?? null
    at = last?.at ?? null
  }
  return { record, etag: res.headers.get('etag') ?? `"v${String(record.version)}"`, who, at }
}

/** The labels of the case fields the phone edits (others by their property label, or as named). */
const FIELD_LABELS: Readonly<Record<string, MessageKey>> = {
  floors: 'field.floors', locationText: 'field.locationText', landAreaRecordedM2: 'field.landArea', reachedAt: 'field.arrived',
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))

export function ConflictView({ op, onDone }: { op: QueuedOp; onDone(): void }) {
  const { t, lookup } = useI18n()
  const [theirs, setTheirs] = useState<Theirs | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [keepMine, setKeepMine] = useState<Record<string, boolean>>({})
  useEffect(() => {
    loadTheirs(op).then(setTheirs, (e: Error) => setError(e.message))
  }, [op])
  const isEdit = op.method === 'PATCH' && op.body !== null && typeof op.body === 'object'
  const mine = (isEdit ? op.body : {}) as Record<string, unknown>
  const fields = Object.keys(mine)

  const apply = async () => {
    if (!theirs) return
    const chosen = Object.fromEntries(fields.filter((f) => keepMine[f] ?? true).map((f) => [f, mine[f]]))
    if (Object.keys(chosen).length === 0) await discard(op.id)
    else await retry(op.id, { body: chosen, ifMatch: theirs.etag })
    onDone()
  }

  return (
    <section className="conflict-view" data-testid="conflict-view">
      <h2>{t('field.conflict.title')}</h2>
      {error && <p className="field-error">{t('field.conflict.loadFailed', { reason: error })}</p>}
      {theirs && (
        <>
          <p>{t('field.conflict.intro', { who: theirs.who ?? t('field.conflict.someone'), at: fmtDateTime(theirs.at) })}</p>
          {isEdit ? (
            <table>
              <thead>
                <tr><th>{t('field.conflict.field')}</th><th>{t('field.conflict.mine')}</th><th>{t('field.conflict.theirs')}</th></tr>
              </thead>
              <tbody>
                {fields.map((f) => (
                  <tr key={f} data-field={f}>
                    <th>{FIELD_LABELS[f] ? t(FIELD_LABELS[f]) : (lookup(`prop.${f}`) ?? f)}</th>
                    <td>
                      <label><input type="radio" name={`pick-${f}`} checked={keepMine[f] ?? true} onChange={() => setKeepMine((k) => ({ ...k, [f]: true }))} data-pick="mine" /> {show(mine[f])}</label>
                    </td>
                    <td>
                      <label><input type="radio" name={`pick-${f}`} checked={!(keepMine[f] ?? true)} onChange={() => setKeepMine((k) => ({ ...k, [f]: false }))} data-pick="theirs" /> {show(theirs.record[f])}</label>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>{t('field.conflict.action', { label: op.label, status: show(theirs.record.status) })}</p>
          )}
          <div className="field-form-footer">
            <button type="button" onClick={() => void discard(op.id).then(onDone)}>{t('field.conflict.keepTheirs')}</button>
            {isEdit ? (
              <button type="button" className="primary" onClick={() => void apply()}>{t('field.conflict.apply')}</button>
            ) : (
              <button type="button" className="primary" onClick={() => void retry(op.id, { ifMatch: theirs.etag }).then(onDone)}>{t('field.conflict.resendMine')}</button>
            )}
          </div>
        </>
      )}
    </section>
  )
}
