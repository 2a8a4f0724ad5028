// The printable notice of one village (本村公示): A4, black on white, for the village's notice
// board. Heading, office, date, the village's published cases, the office's note (how to object,
// whom to call) and a signature and date line. The buttons are hidden in print (public.css).
import { useEffect, useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import { getDisclosure, type Disclosure } from '../../public-api.ts'
import { DISCLOSURE_STAGE_KEYS, DisclosureTable } from './disclosure-parts.tsx'
import { errorMessage } from './errors.ts'
import { formatLongDate } from './format.ts'
import './public.css'

const LIMIT = 1000

export function DisclosurePrint({ village }: { village: string }) {
  const i18n = useI18n()
  const { t, lang } = i18n
  const [data, setData] = useState<Disclosure | null>(null)
  const [error, setError] = useState<string | null>(null)
  const valid = /^[0-9]{12}$/.test(village)

  useEffect(() => {
    if (!valid) return
    const ctl = new AbortController()
    getDisclosure({ village, limit: LIMIT }, ctl.signal).then(setData, (e: unknown) => {
      if (!ctl.signal.aborted) setError(errorMessage(e, i18n))
    })
    return () => ctl.abort()
  }, [village, valid])

  useEffect(() => {
    document.documentElement.classList.add('public-print-html')
    return () => document.documentElement.classList.remove('public-print-html')
  }, [])

  const toolbar = (
    <div className="print-toolbar no-print">
      <a href="/public/disclosure" className="public-button">
        {t('public.print.back')}
      </a>
      <button type="button" className="public-button primary" onClick={() => window.print()} disabled={!data || data.items.length === 0} data-testid="print-button">
        {t('public.print.print')}
      </button>
    </div>
  )

  if (!valid || error)
    return (
      <div className="print-page">
        {toolbar}
        <p className="public-error" role="alert">
          {error ?? t('public.print.noVillage')}
        </p>
      </div>
    )
  if (!data)
    return (
      <div className="print-page">
        <p className="public-loading" role="status">
          {t('app.loading')}
        </p>
      </div>
    )

  const info = data.villages.find((v) => v.code === village)
  const name = info?.name ?? data.items[0]?.villageName ?? village
  const town = info?.townName ?? data.items[0]?.townName ?? ''
  const today = formatLongDate(data.asOf, lang)

  return (
    <div className="print-page">
      {toolbar}
      <article className="print-notice" data-testid="print-notice">
        <h1 data-testid="print-heading">{t('public.print.heading', { village: name })}</h1>
        <p className="print-sub">
          {town && <span>{town}</span>}
          {data.officeName && <span>{data.officeName}</span>}
          <span>{t('public.print.date', { date: today })}</span>
        </p>
        {data.items.length === 0 ? (
          <p>{t('public.print.empty')}</p>
        ) : (
          <>
            <p className="print-intro">
              {t('public.print.intro', {
                village: name,
                stages: data.stages.map((s) => t(DISCLOSURE_STAGE_KEYS[s])).join(lang === 'zh-CN' ? '、' : ', '),
                n: data.items.length,
              })}
            </p>
            <DisclosureTable items={data.items} showPlace={false} testId="print-table" />
            {data.total > data.items.length && <p>{t('public.print.capped', { n: data.items.length, total: data.total })}</p>}
          </>
        )}
        {data.noticeNote && <p className="print-note">{data.noticeNote}</p>}
        <p className="print-privacy">{t('public.print.privacy', { m: data.locationGridM })}</p>
        <div className="print-sign">
          <p>
            {t('public.print.office')}
            <span className="print-sign-name">{data.officeName || '\u3000'.repeat(12)}</span>
          </p>
          <p>{t('public.print.seal')}</p>
          <p>{t('public.print.signDate', { date: today })}</p>
        </div>
      </article>
    </div>
  )
}
