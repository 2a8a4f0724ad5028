// One triage action on a report, sent with If-Match from the report's ETag:
//   立案 accept: a new case of the ledger (source 举报) at the report's place, of the use chosen;
//   并入案件 link: to a case already in the ledger (a suggested nearby case, the case of an accepted
//     report of the same place, or a case number typed in, looked up through /api/search);
//   不予受理 reject: the reason, required; 要求补充 ask_more: the question, required.
// Each has the words the reporter reads, prefilled in Chinese for the officer to edit, and an
// internal note that stays with the office.
import { useState, type FormEvent } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { CASE_USES } from '../../codes.ts'
import { problemMessage } from '../../onboarding-api.ts'
import { findCaseByNo, triageReport, type StaffReportDetail, type TriageAction, type TriageBody, type Versioned } from '../../reports-api.ts'
import { appendPhrase, ASK_QUESTIONS, defaultPublicNote, isSessionLost, isStale, metres, noteIsFinished, REJECT_REASONS } from './report-util.ts'
import { translate } from '../../i18n/i18n.tsx'

export interface TriageFormProps {
  report: Versioned<StaffReportDetail>
  action: TriageAction
  onDone(next: Versioned<StaffReportDetail>, action: TriageAction): void
  /** The report changed since it was read (412). */
  onStale(): void
  onCancel(): void
  onSessionLost(): void
}

interface CaseChoice {
  id: number
  caseNo: string
  /** Where the suggestion comes from, shown beside it. */
  why: string
}

export function TriageForm({ report, action, onDone, onStale, onCancel, onSessionLost }: TriageFormProps) {
  const { t, lang } = useI18n()
  const r = report.data
  const [use, setUse] = useState('')
  const [note, setNote] = useState(() => defaultPublicNote(action))
  const [noteEdited, setNoteEdited] = useState(false)
  const [internal, setInternal] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [invalid, setInvalid] = useState<'use' | 'case' | 'note' | null>(null)

  // --- link: the suggestions, and a number typed in --------------------------------------------
  // the cases of accepted reports of the same place first, then the ledger's cases nearby
  const [choices, setChoices] = useState<CaseChoice[]>(() => {
    const fromDuplicates = r.duplicates.flatMap((d) => (d.caseId && d.caseNo ? [{ id: d.caseId, caseNo: d.caseNo, why: t('reports.link.fromDuplicate', { id: d.id }) }] : []))
    const nearby = r.nearbyCases.map((c) => ({ id: c.id, caseNo: c.caseNo, why: t('reports.link.nearby', { distance: metres(c.distanceM) }) }))
    return [...fromDuplicates, ...nearby].filter((c, i, all) => all.findIndex((o) => o.id === c.id) === i)
  })
  const [chosen, setChosen] = useState<CaseChoice | null>(null)
  const [typed, setTyped] = useState('')
  const [lookupState, setLookupState] = useState<'idle' | 'busy' | 'none'>('idle')
  const choose = (c: CaseChoice | null) => {
    setChosen(c)
    setInvalid(null)
    if (!noteEdited && c) setNote(defaultPublicNote('link', { caseNo: c.caseNo }))
  }
  const lookUp = async () => {
    if (!typed.trim()) return
    setLookupState('busy')
    try {
      const hit = await findCaseByNo(typed)
      if (!hit) return setLookupState('none')
      setLookupState('idle')
      const c = { ...hit, why: t('reports.link.typed') }
      setChoices((old) => (old.some((o) => o.id === c.id) ? old : [...old, c]))
      choose(c)
    } catch (e) {
      if (isSessionLost(e)) onSessionLost()
      setLookupState('none')
    }
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    if (action === 'accept' && !use) return setInvalid('use')
    if (action === 'link' && !chosen) return setInvalid('case')
    if (!noteIsFinished(action, note)) return setInvalid('note')
    setInvalid(null)
    const body: TriageBody = {
      action,
      ...(action === 'accept' ? { use: use as NonNullable<TriageBody['use']> } : {}),
      ...(action === 'link' && chosen ? { caseId: chosen.id } : {}),
      ...(note.trim() ? { publicNote: note.trim() } : {}),
      ...(internal.trim() ? { internalNote: internal.trim() } : {}),
    }
    setBusy(true)
    try {
      onDone(await triageReport(r.id, report.etag, body), action)
    } catch (err) {
      if (isSessionLost(err)) onSessionLost()
      if (isStale(err)) return onStale()
      setError(problemMessage(err, lang))
    } finally {
      setBusy(false)
    }
  }

  const phrases = action === 'reject' ? REJECT_REASONS : action === 'ask_more' ? ASK_QUESTIONS : []
  const zh = (k: MessageKey) => translate('zh-CN', k)
  return (
    <form className={`triage-form a-${action}`} onSubmit={(e) => void submit(e)} data-testid="triage-form" data-action={action} noValidate>
      <p className="muted">{t(`reports.explain.${action}`)}</p>
      {action === 'accept' && (
        <label className={invalid === 'use' ? 'form-row invalid' : 'form-row'}>
          <span>{t('reports.form.use')}</span>
          <select value={use} onChange={(e) => setUse(e.target.value)} data-testid="triage-use">
            <option value="">{t('reports.form.usePick')}</option>
            {CASE_USES.map((u) => (
              <option key={u} value={u}>
                {t(`caseUse.${u}`)}
              </option>
            ))}
          </select>
          {invalid === 'use' && <span className="field-error">{t('reports.form.useRequired')}</span>}
        </label>
      )}
      {action === 'link' && (
        <fieldset className={invalid === 'case' ? 'triage-cases invalid' : 'triage-cases'}>
          <legend>{t('reports.form.case')}</legend>
          {choices.length === 0 && <p className="muted">{t('reports.link.noSuggestion')}</p>}
          {choices.map((c) => (
            <label key={c.id} className="triage-case">
              <input type="radio" name="triage-case" checked={chosen?.id === c.id} onChange={() => choose(c)} data-testid="triage-case" data-case-id={c.id} />
              <b>{c.caseNo}</b> <span className="muted">{c.why}</span>
            </label>
          ))}
          <div className="dispatch-inline triage-case-no">
            <input
              type="search"
              value={typed}
              placeholder={t('reports.link.typePlaceholder')}
              onChange={(e) => {
                setTyped(e.target.value)
                setLookupState('idle')
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault()
                  void lookUp()
                }
              }}
              data-testid="triage-case-no"
            />
            <button type="button" className="open-case" onClick={() => void lookUp()} disabled={lookupState === 'busy'} data-testid="triage-case-find">
              {t('reports.link.find')}
            </button>
          </div>
          {lookupState === 'none' && <span className="field-error">{t('reports.link.notFound', { caseNo: typed.trim() })}</span>}
          {invalid === 'case' && <span className="field-error">{t('reports.form.caseRequired')}</span>}
        </fieldset>
      )}
      <label className={invalid === 'note' ? 'form-row invalid' : 'form-row'}>
        <span>{t(action === 'reject' ? 'reports.form.reason' : action === 'ask_more' ? 'reports.form.question' : 'reports.form.public')}</span>
        <textarea
          rows={3}
          maxLength={500}
          value={note}
          onChange={(e) => {
            setNote(e.target.value)
            setNoteEdited(true)
          }}
          data-testid="triage-public"
        />
        <span className="muted triage-hint">{t('reports.form.publicHint')}</span>
        {invalid === 'note' && <span className="field-error">{t(action === 'reject' ? 'reports.form.reasonRequired' : action === 'ask_more' ? 'reports.form.questionRequired' : 'reports.form.publicRequired')}</span>}
      </label>
      {phrases.length > 0 && (
        <div className="triage-phrases">
          {phrases.map((k) => (
            <button
              key={k}
              type="button"
              className="report-chip phrase"
              onClick={() => {
                setNote((n) => appendPhrase(n, zh(k)))
                setNoteEdited(true)
                setInvalid(null)
              }}
              data-testid="triage-phrase"
            >
              {t(k)}
            </button>
          ))}
        </div>
      )}
      <label className="form-row">
        <span>{t('reports.form.internal')}</span>
        <textarea rows={2} maxLength={1000} value={internal} onChange={(e) => setInternal(e.target.value)} data-testid="triage-internal" />
      </label>
      {error && (
        <p className="form-error stale" role="alert" data-testid="triage-error">
          {error}
        </p>
      )}
      <div className="dialog-buttons">
        <button type="button" onClick={onCancel}>
          {t('reports.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="triage-submit">
          {busy ? t('reports.saving') : t(`reports.submit.${action}`)}
        </button>
      </div>
    </form>
  )
}
