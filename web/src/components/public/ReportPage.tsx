// 举报违法建设: the public report form, phone first. The place is tapped on the map or taken
// from the phone's position; a kind, a description, up to three photos and an optional contact
// (seen only by the staff handling it). A CAPTCHA when the server asks for one. On success the
// 查询码 (receipt code), shown once, with a copy button and a link to the lookup page.
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../../api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { isPhoneNumber, REPORT_SERVICES, type ReportService } from '../../../../server/src/domain/public-reports.ts'
import { captchaImageSrc, getCaptcha, getReportRules, problemCode, submitReport, type Captcha, type ReportReceipt, type ReportRules } from '../../public-api.ts'
import { errorMessage } from './errors.ts'
import { formatDateTime } from './format.ts'
import { linkClick } from './nav.ts'
import { PhotoPicker } from './PhotoPicker.tsx'
import { PublicMap } from './PublicMap.tsx'

interface Place {
  lon: number
  lat: number
  source: 'map' | 'gps'
  accuracyM?: number
}

type Problem = { field: string | null; message: string }

function inside(b: ReportRules['bbox'], lon: number, lat: number): boolean {
  return lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3]
}

export function ReportPage() {
  const i18n = useI18n()
  const { t } = i18n
  const [rules, setRules] = useState<ReportRules | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [receipt, setReceipt] = useState<ReportReceipt | null>(null)
  const [round, setRound] = useState(0)

  useEffect(() => {
    const ctl = new AbortController()
    setRules(null)
    setLoadError(null)
    getReportRules(ctl.signal).then(setRules, (e: unknown) => {
      if (!ctl.signal.aborted) setLoadError(errorMessage(e, i18n))
    })
    return () => ctl.abort()
    // fetched again for each new report: the CAPTCHA rule changes after one
  }, [round])

  if (receipt) return <ReceiptShown receipt={receipt} onAnother={() => { setReceipt(null); setRound((r) => r + 1) }} />
  if (loadError)
    return (
      <section className="public-card">
        <p className="public-error" role="alert">
          {loadError}
        </p>
        <button type="button" className="public-button" onClick={() => setRound((r) => r + 1)}>
          {t('public.retry')}
        </button>
      </section>
    )
  if (!rules)
    return (
      <p className="public-loading" role="status">
        {t('app.loading')}
      </p>
    )
  return <ReportForm key={round} rules={rules} onDone={setReceipt} />
}

function ReportForm({ rules, onDone }: { rules: ReportRules; onDone(r: ReportReceipt): void }) {
  const i18n = useI18n()
  const { t, lang } = i18n
  const [service, setService] = useState<ReportService | ''>('')
  const [description, setDescription] = useState('')
  const [place, setPlace] = useState<Place | null>(null)
  const [focus, setFocus] = useState<{ point: readonly [number, number]; gentle: boolean } | null>(null)
  const [locating, setLocating] = useState(false)
  const [photos, setPhotos] = useState<File[]>([])
  const [contactName, setContactName] = useState('')
  const [contactPhone, setContactPhone] = useState('')
  const [captcha, setCaptcha] = useState<Captcha | null>(null)
  const [captchaNeeded, setCaptchaNeeded] = useState(rules.captchaRequired)
  const [captchaAnswer, setCaptchaAnswer] = useState('')
  const [progress, setProgress] = useState<number | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)

  const newCaptcha = useCallback(async () => {
    setCaptchaAnswer('')
    try {
      setCaptcha(await getCaptcha())
    } catch (e) {
      setProblem({ field: 'captcha', message: errorMessage(e, i18n) })
    }
  }, [i18n])
  useEffect(() => {
    if (captchaNeeded && !captcha) void newCaptcha()
  }, [captchaNeeded, captcha, newCaptcha])

  const marker = place ? ([place.lon, place.lat] as const) : null
  const onPick = useCallback((lon: number, lat: number) => {
    setPlace({ lon, lat, source: 'map' })
    setFocus({ point: [lon, lat], gentle: true })
    setProblem((p) => (p?.field === 'location' ? null : p))
  }, [])

  const useMyLocation = () => {
    if (!('geolocation' in navigator)) {
      setProblem({ field: 'location', message: t('public.report.gpsUnavailable') })
      return
    }
    setLocating(true)
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false)
        const { longitude: lon, latitude: lat, accuracy } = pos.coords
        setPlace({ lon, lat, source: 'gps', accuracyM: accuracy })
        setFocus({ point: [lon, lat], gentle: false })
        setProblem(inside(rules.bbox, lon, lat) ? null : { field: 'location', message: t('public.report.gpsOutside', { district: rules.districtName }) })
      },
      (err) => {
        setLocating(false)
        setProblem({ field: 'location', message: err.code === err.PERMISSION_DENIED ? t('public.report.gpsDenied') : t('public.report.gpsFailed') })
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    )
  }

  const check = (): Problem | null => {
    if (!place) return { field: 'location', message: t('public.report.needPlace') }
    if (!service) return { field: 'serviceCode', message: t('public.report.needService') }
    if (!description.trim()) return { field: 'description', message: t('public.report.needDescription') }
    if (contactPhone.trim() && !isPhoneNumber(contactPhone)) return { field: 'contactPhone', message: t('public.report.badPhone') }
    if (captchaNeeded && !captchaAnswer.trim()) return { field: 'captcha', message: t('public.report.needCaptcha') }
    return null
  }

  const submit = async (e: React.FormEvent) => {
    e.preventDefault()
    const bad = check()
    setProblem(bad)
    if (bad || !place || !service) {
      document.querySelector(`[data-field="${bad?.field}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' })
      return
    }
    setProgress(0)
    try {
      const receipt = await submitReport(
        {
          serviceCode: service,
          description: description.trim(),
          lon: place.lon,
          lat: place.lat,
          locationSource: place.source,
          contactName,
          contactPhone,
          ...(captchaNeeded && captcha ? { captchaId: captcha.id, captchaAnswer: captchaAnswer.trim() } : {}),
          photos,
        },
        setProgress,
      )
      onDone(receipt)
      window.scrollTo(0, 0)
    } catch (err) {
      setProgress(null)
      const code = problemCode(err)
      const status = err instanceof ApiError ? err.status : 0
      let next: Problem
      if (code === 'captcha_required') next = { field: 'captcha', message: t('public.report.captchaRequired') }
      else if (code === 'captcha_wrong') next = { field: 'captcha', message: t('public.report.captchaWrong') }
      else if (status === 413 || status === 415) next = { field: 'photos', message: errorMessage(err, i18n) }
      else if (status === 422) next = { field: (err as ApiError).problem?.field === 'description' ? 'description' : 'location', message: errorMessage(err, i18n) }
      else next = { field: (err as ApiError).problem?.field ?? null, message: errorMessage(err, i18n) }
      setProblem(next)
      if (code === 'captcha_required' || code === 'captcha_wrong' || captchaNeeded) {
        // a challenge is answered once: any refused attempt needs a fresh one
        setCaptchaNeeded(true)
        void newCaptcha()
      }
      document.querySelector(`[data-field="${next.field}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' })
    }
  }

  const sending = progress !== null
  const fieldError = (field: string) =>
    problem?.field === field ? (
      <p className="public-error" role="alert" data-testid={`report-error-${field}`}>
        {problem.message}
      </p>
    ) : null

  return (
    <form className="public-form" onSubmit={submit} noValidate data-testid="report-form">
      <h1>{t('public.report.title')}</h1>
      <p className="public-lead">{t('public.report.lead', { district: rules.districtName })}</p>

      <fieldset className="public-card" data-field="location">
        <legend>{t('public.report.where')}</legend>
        <p className="public-hint">{t('public.report.tapHint')}</p>
        <PublicMap bbox={rules.bbox} testId="report-map" className="report-map" marker={marker} focus={focus} onPick={onPick} cooperative />
        <div className="public-row">
          <button type="button" className="public-button" onClick={useMyLocation} disabled={locating} data-testid="report-gps">
            {locating ? t('public.report.locating') : t('public.report.useLocation')}
          </button>
          <span className="public-place" data-testid="report-place">
            {place
              ? t(place.source === 'gps' ? 'public.report.placeGps' : 'public.report.placeMap', {
                  lon: place.lon.toFixed(5),
                  lat: place.lat.toFixed(5),
                  acc: Math.round(place.accuracyM ?? 0),
                })
              : t('public.report.noPlace')}
          </span>
        </div>
        {fieldError('location')}
      </fieldset>

      <fieldset className="public-card" data-field="serviceCode">
        <legend>{t('public.report.kind')}</legend>
        <div className="public-services" role="radiogroup">
          {REPORT_SERVICES.map((code) => {
            const s = rules.services.find((x) => x.code === code)
            if (!s) return null
            return (
              <label key={code} className={`public-service ${service === code ? 'checked' : ''}`}>
                <input type="radio" name="serviceCode" value={code} checked={service === code} onChange={() => setService(code)} data-testid={`report-service-${code}`} />
                <span className="public-service-name">{lang === 'zh-CN' ? s.nameZh : s.nameEn}</span>
                {lang === 'zh-CN' && <span className="public-service-desc">{s.descriptionZh}</span>}
              </label>
            )
          })}
        </div>
        {fieldError('serviceCode')}
      </fieldset>

      <fieldset className="public-card" data-field="description">
        <legend>{t('public.report.description')}</legend>
        <textarea
          value={description}
          onChange={(e) => setDescription(e.target.value.slice(0, rules.maxDescription))}
          maxLength={rules.maxDescription}
          rows={5}
          placeholder={t('public.report.descriptionPlaceholder')}
          data-testid="report-description"
        />
        <p className={`public-counter ${description.length >= rules.maxDescription ? 'full' : ''}`} aria-live="polite">
          {description.length} / {rules.maxDescription}
        </p>
        {fieldError('description')}
      </fieldset>

      <fieldset className="public-card" data-field="photos">
        <legend>{t('public.report.photos')}</legend>
        <PhotoPicker photos={photos} onChange={setPhotos} max={rules.maxPhotos} maxBytes={rules.maxPhotoBytes} testId="report-photos" />
        {fieldError('photos')}
      </fieldset>

      <fieldset className="public-card" data-field="contactPhone">
        <legend>{t('public.report.contact')}</legend>
        <p className="public-privacy">{t('public.report.contactPrivacy')}</p>
        <label className="public-field">
          {t('public.report.contactName')}
          <input value={contactName} onChange={(e) => setContactName(e.target.value)} maxLength={50} autoComplete="name" data-testid="report-contact-name" />
        </label>
        <label className="public-field">
          {t('public.report.contactPhone')}
          <input type="tel" inputMode="tel" value={contactPhone} onChange={(e) => setContactPhone(e.target.value)} maxLength={30} autoComplete="tel" data-testid="report-contact-phone" />
        </label>
        {fieldError('contactPhone')}
      </fieldset>

      {captchaNeeded && (
        <fieldset className="public-card public-captcha" data-field="captcha" data-testid="report-captcha">
          <legend>{t('public.captcha.title')}</legend>
          <p className="public-hint">{t('public.captcha.hint')}</p>
          <div className="public-row">
            {captcha ? <img src={captchaImageSrc(captcha)} alt={t('public.captcha.alt')} className="public-captcha-img" data-testid="report-captcha-image" /> : <span className="public-captcha-img" />}
            <button type="button" className="public-button" onClick={() => void newCaptcha()} data-testid="report-captcha-refresh">
              {t('public.captcha.refresh')}
            </button>
          </div>
          <label className="public-field">
            {t('public.captcha.answer')}
            <input
              value={captchaAnswer}
              onChange={(e) => setCaptchaAnswer(e.target.value)}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              maxLength={12}
              data-testid="report-captcha-input"
            />
          </label>
          {fieldError('captcha')}
        </fieldset>
      )}

      {problem && !['location', 'serviceCode', 'description', 'photos', 'contactPhone', 'captcha'].includes(problem.field ?? '') && (
        <p className="public-error" role="alert" data-testid="report-error">
          {problem.message}
        </p>
      )}
      <div className="public-submit">
        {sending && (
          <div className="public-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((progress ?? 0) * 100)}>
            <div style={{ width: `${Math.round((progress ?? 0) * 100)}%` }} />
          </div>
        )}
        <button type="submit" className="public-button primary" disabled={sending} data-testid="report-submit">
          {sending ? ((progress ?? 0) < 1 ? t('public.report.sending', { pct: Math.round((progress ?? 0) * 100) }) : t('public.report.saving')) : t('public.report.submit')}
        </button>
      </div>
    </form>
  )
}

function ReceiptShown({ receipt, onAnother }: { receipt: ReportReceipt; onAnother(): void }) {
  const { t, lang } = useI18n()
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(receipt.receiptCode)
      setCopied('yes')
    } catch {
      // no clipboard (plain http, old browser): select the code so it can be copied by hand
      const el = document.querySelector('[data-testid="receipt-code"]')
      if (el) window.getSelection()?.selectAllChildren(el)
      setCopied('no')
    }
  }
  const href = `/public/receipt?code=${encodeURIComponent(receipt.receiptCode)}`
  return (
    <section className="public-card public-receipt" data-testid="report-receipt">
      <h1>{t('public.receipt.received')}</h1>
      <p>{t('public.receipt.receivedLine', { village: receipt.villageName, at: formatDateTime(receipt.submittedAt, lang) })}</p>
      <p className="public-code-label">{t('public.receipt.codeLabel')}</p>
      <p className="public-code" data-testid="receipt-code">
        {receipt.receiptCode}
      </p>
      <p className="public-keep">{t('public.receipt.keep')}</p>
      <div className="public-row public-receipt-actions">
        <button type="button" className="public-button" onClick={() => void copy()} data-testid="receipt-copy">
          {t('public.receipt.copy')}
        </button>
        <a className="public-button primary" href={href} onClick={linkClick} data-testid="receipt-link">
          {t('public.receipt.lookNow')}
        </a>
      </div>
      {copied && <p className="public-hint" role="status">{copied === 'yes' ? t('public.receipt.copied') : t('public.receipt.copyByHand')}</p>}
      <button type="button" className="public-link-button" onClick={onAnother} data-testid="report-another">
        {t('public.receipt.another')}
      </button>
    </section>
  )
}
