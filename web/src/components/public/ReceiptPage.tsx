// 举报查询: the reporter types in the 查询码 and reads where the report stands: the current
// status in words, the steps with the office's notes, the case's stage, the reward line, their
// own description and photos, and (when the office asked for more) a form to add text and photos.
// Everything the server sends is rendered as text.
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../../api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { normaliseReceiptCode, SERVICE_NAMES } from '../../../../server/src/domain/public-reports.ts'
import { addReportInfo, getReportRules, getReportStatus, type PublicReportStatus, type PublicStep, type ReportRules } from '../../public-api.ts'
import { errorMessage } from './errors.ts'
import { formatDateTime } from './format.ts'
import { navigate } from './nav.ts'
import { PhotoPicker } from './PhotoPicker.tsx'

/** What the visitor types, tidied as they type: capitals, O→0, I/L→1, dashes every four. */
export function tidyCode(input: string): string {
  const s = input
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
    .replace(/[^0-9A-HJKMNP-TV-Z]/g, '')
    .slice(0, 12)
  return s.match(/.{1,4}/g)?.join('-') ?? ''
}

const STATUS_KEYS: Readonly<Record<PublicReportStatus['status'], MessageKey>> = {
  submitted: 'public.status.submitted',
  more_info: 'public.status.more_info',
  accepted: 'public.status.accepted',
  rejected: 'public.status.rejected',
}

const STEP_KEYS: Readonly<Record<string, MessageKey>> = {
  submit: 'public.step.submit',
  add_info: 'public.step.add_info',
  ask_more: 'public.step.ask_more',
  accept: 'public.step.accept',
  link: 'public.step.link',
  reject: 'public.step.reject',
}

const STAGE_KEYS: Readonly<Record<NonNullable<PublicReportStatus['caseStage']>, MessageKey>> = {
  in_progress: 'public.stage.in_progress',
  order_issued: 'public.stage.order_issued',
  demolished: 'public.stage.demolished',
  regularised: 'public.stage.regularised',
  deferred: 'public.stage.deferred',
  closed: 'public.stage.closed',
}

const NOTE_KEYS: Readonly<Record<string, MessageKey>> = {
  ask_more: 'public.step.noteAskMore',
  reject: 'public.step.noteReject',
  add_info: 'public.step.noteAddInfo',
}

type Lookup = { kind: 'idle' } | { kind: 'loading'; code: string } | { kind: 'found'; code: string; report: PublicReportStatus } | { kind: 'error'; message: string }

export function ReceiptPage({ initialCode }: { initialCode: string }) {
  const i18n = useI18n()
  const { t } = i18n
  const [input, setInput] = useState(() => tidyCode(initialCode))
  const [lookup, setLookup] = useState<Lookup>({ kind: 'idle' })

  const load = useCallback(
    async (code: string) => {
      setLookup({ kind: 'loading', code })
      try {
        setLookup({ kind: 'found', code, report: await getReportStatus(code) })
      } catch (e) {
        setLookup({ kind: 'error', message: e instanceof ApiError && e.status === 404 ? t('public.lookup.notFound') : errorMessage(e, i18n) })
      }
    },
    [i18n, t],
  )

  useEffect(() => {
    const code = normaliseReceiptCode(initialCode)
    if (code) void load(code)
    // only the code the page was opened with; later lookups come from the form
  }, [])

  const submit = (e: React.FormEvent) => {
    e.preventDefault()
    const code = normaliseReceiptCode(input)
    if (!code) {
      setLookup({ kind: 'error', message: t('public.lookup.badCode') })
      return
    }
    setInput(code)
    navigate(`/public/receipt?code=${encodeURIComponent(code)}`, true)
    void load(code)
  }

  return (
    <div className="public-receipt-page">
      <h1>{t('public.receipt.title')}</h1>
      <form className="public-card public-lookup" onSubmit={submit} noValidate>
        <label className="public-field">
          {t('public.lookup.label')}
          <input
            value={input}
            onChange={(e) => setInput(tidyCode(e.target.value))}
            placeholder="XXXX-XXXX-XXXX"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            inputMode="text"
            className="public-code-input"
            data-testid="receipt-lookup-input"
          />
        </label>
        <button type="submit" className="public-button primary" disabled={lookup.kind === 'loading'} data-testid="receipt-lookup-submit">
          {t('public.lookup.submit')}
        </button>
        <p className="public-hint">{t('public.lookup.hint')}</p>
      </form>
      {lookup.kind === 'loading' && (
        <p className="public-loading" role="status">
          {t('app.loading')}
        </p>
      )}
      {lookup.kind === 'error' && (
        <p className="public-error" role="alert" data-testid="receipt-lookup-error">
          {lookup.message}
        </p>
      )}
      {lookup.kind === 'found' && <ReportStatusView code={lookup.code} report={lookup.report} onChange={(report) => setLookup({ kind: 'found', code: lookup.code, report })} />}
    </div>
  )
}

function ReportStatusView({ code, report, onChange }: { code: string; report: PublicReportStatus; onChange(r: PublicReportStatus): void }) {
  const { t, lang } = useI18n()
  const service = SERVICE_NAMES[report.serviceCode]
  const lastNote = [...report.steps].reverse().find((s) => s.note && (s.action === 'ask_more' || s.action === 'reject'))
  return (
    <>
      <section className={`public-card public-status status-${report.status}`} data-testid="report-status" data-status={report.status}>
        <p className="public-status-line">{t(STATUS_KEYS[report.status])}</p>
        {report.status === 'more_info' && lastNote?.note && <p className="public-note">{lastNote.note}</p>}
        {report.status === 'rejected' && lastNote?.note && (
          <p className="public-note">
            {t('public.step.noteReject')}
            {lastNote.note}
          </p>
        )}
        {report.caseStage && (
          <p className="public-stage" data-testid="report-case-stage">
            {t('public.receipt.caseStage')}
            <strong>{t(STAGE_KEYS[report.caseStage])}</strong>
            {report.caseNo && <span className="public-case-no">{t('public.receipt.caseNo', { no: report.caseNo })}</span>}
          </p>
        )}
        {report.reward === 'eligible' && (
          <p className="public-reward" data-testid="report-reward">
            {t('public.receipt.rewardEligible')}
          </p>
        )}
        <dl className="public-facts">
          <dt>{t('public.receipt.code')}</dt>
          <dd className="public-mono">{code}</dd>
          <dt>{t('public.receipt.kind')}</dt>
          <dd>{lang === 'zh-CN' ? service.zh : service.en}</dd>
          <dt>{t('public.receipt.village')}</dt>
          <dd>{report.villageName}</dd>
          <dt>{t('public.receipt.submittedAt')}</dt>
          <dd>{formatDateTime(report.submittedAt, lang)}</dd>
          <dt>{t('public.receipt.updatedAt')}</dt>
          <dd>{formatDateTime(report.updatedAt, lang)}</dd>
        </dl>
      </section>

      {report.canAddInfo && <AddInfo code={code} onDone={onChange} />}

      <section className="public-card">
        <h2>{t('public.receipt.steps')}</h2>
        <ol className="public-steps" data-testid="report-steps">
          {report.steps.map((s, i) => (
            <StepItem key={`${s.at}-${i}`} step={s} />
          ))}
        </ol>
      </section>

      <section className="public-card">
        <h2>{t('public.receipt.yourReport')}</h2>
        <p className="public-text" data-testid="report-description-shown">
          {report.description}
        </p>
        {report.photos.length > 0 && (
          <ul className="public-thumbs public-thumbs-large" data-testid="report-photos-shown">
            {report.photos.map((p, i) => (
              <li key={p.id}>
                <a href={p.url} target="_blank" rel="noopener noreferrer">
                  <img src={p.url} alt={t('public.photos.alt', { n: i + 1 })} loading="lazy" />
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  )
}

function StepItem({ step }: { step: PublicStep }) {
  const { t, lang } = useI18n()
  const key = STEP_KEYS[step.action]
  const noteKey = NOTE_KEYS[step.action]
  return (
    <li className={`public-step step-${step.action}`}>
      <time dateTime={step.at}>{formatDateTime(step.at, lang)}</time>
      <span className="public-step-what">{key ? t(key) : step.status ? t(STATUS_KEYS[step.status]) : step.action}</span>
      {step.note && (
        <span className="public-step-note">
          {noteKey ? t(noteKey) : t('public.step.note')}
          {step.note}
        </span>
      )}
    </li>
  )
}

function AddInfo({ code, onDone }: { code: string; onDone(r: PublicReportStatus): void }) {
  const i18n = useI18n()
  const { t } = i18n
  const [rules, setRules] = useState<ReportRules | null>(null)
  const [text, setText] = useState('')
  const [photos, setPhotos] = useState<File[]>([])
  const [progress, setProgress] = useState<number | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    const ctl = new AbortController()
    getReportRules(ctl.signal).then(setRules, () => undefined)
    return () => ctl.abort()
  }, [])
  const maxDescription = rules?.maxDescription ?? 2000
  const submit = async (e: React.FormEvent) => {
    e.preventDefault()
    if (!text.trim() && photos.length === 0) {
      setProblem(t('public.addInfo.empty'))
      return
    }
    setProblem(null)
    setProgress(0)
    try {
      onDone(await addReportInfo(code, text.trim(), photos, setProgress))
    } catch (err) {
      setProblem(errorMessage(err, i18n))
    } finally {
      setProgress(null)
    }
  }
  return (
    <form className="public-card public-add-info" onSubmit={submit} noValidate data-testid="report-add-info">
      <h2>{t('public.addInfo.title')}</h2>
      <p className="public-hint">{t('public.addInfo.hint')}</p>
      <textarea value={text} onChange={(e) => setText(e.target.value.slice(0, maxDescription))} rows={4} maxLength={maxDescription} data-testid="report-add-info-text" />
      <p className="public-counter">
        {text.length} / {maxDescription}
      </p>
      <PhotoPicker photos={photos} onChange={setPhotos} max={rules?.maxPhotos ?? 3} maxBytes={rules?.maxPhotoBytes ?? 10 * 1024 * 1024} testId="report-add-info-photos" />
      {problem && (
        <p className="public-error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" className="public-button primary" disabled={progress !== null} data-testid="report-add-info-submit">
        {progress !== null ? t('public.report.sending', { pct: Math.round(progress * 100) }) : t('public.addInfo.submit')}
      </button>
    </form>
  )
}
