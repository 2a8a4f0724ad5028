// Pieces shared by the disclosure page and its printable notice: the table of published cases.
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import type { DisclosureStage } from '../../../../server/src/domain/public-reports.ts'
import type { DisclosedCase } from '../../public-api.ts'
import { formatArea } from './format.ts'

export const DISCLOSURE_STAGE_KEYS: Readonly<Record<DisclosureStage, MessageKey>> = {
  order_issued: 'public.disclosure.stage.order_issued',
  demolished: 'public.disclosure.stage.demolished',
  closed: 'public.disclosure.stage.closed',
}

function Dates({ c }: { c: DisclosedCase }) {
  const { t } = useI18n()
  const rows: [MessageKey, string | null][] = [
    ['public.disclosure.foundOn', c.foundOn],
    ['public.disclosure.orderIssuedOn', c.orderIssuedOn],
    ['public.disclosure.deadline', c.deadline],
    ['public.disclosure.disposedOn', c.disposedOn],
    ['public.disclosure.closedOn', c.closedOn],
  ]
  return (
    <>
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <span key={k} className="public-date">
            {t(k)} {v}
          </span>
        ))}
    </>
  )
}

export function DisclosureTable({ items, showPlace = true, testId }: { items: readonly DisclosedCase[]; showPlace?: boolean; testId: string }) {
  const { t, label, lang } = useI18n()
  return (
    <table className="public-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('public.disclosure.caseNo')}</th>
          {showPlace && <th>{t('public.disclosure.town')}</th>}
          {showPlace && <th>{t('public.disclosure.village')}</th>}
          <th>{t('public.disclosure.use')}</th>
          <th className="num">{t('public.disclosure.landArea')}</th>
          <th className="num">{t('public.disclosure.floorArea')}</th>
          <th>{t('public.disclosure.stage')}</th>
          <th>{t('public.disclosure.disposal')}</th>
          <th>{t('public.disclosure.dates')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr key={c.caseNo} data-case-no={c.caseNo}>
            <td className="public-mono">{c.caseNo}</td>
            {showPlace && <td>{c.townName}</td>}
            {showPlace && <td>{c.villageName}</td>}
            <td>{label('caseUse', c.use)}</td>
            <td className="num">{formatArea(c.landAreaM2, lang)}</td>
            <td className="num">{formatArea(c.floorAreaM2, lang)}</td>
            <td>{t(DISCLOSURE_STAGE_KEYS[c.stage])}</td>
            <td>
              {c.disposal ? label('disposal', c.disposal) : '—'}
              {(c.demolishedLandAreaM2 !== null || c.demolishedFloorAreaM2 !== null) && (
                <span className="public-date">
                  {t('public.disclosure.demolishedAreas', { land: formatArea(c.demolishedLandAreaM2, lang), floor: formatArea(c.demolishedFloorAreaM2, lang) })}
                </span>
              )}
            </td>
            <td className="public-dates">
              <Dates c={c} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
