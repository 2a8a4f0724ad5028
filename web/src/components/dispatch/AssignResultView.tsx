// What an assignment request did: created, reassigned, and each skipped thing with the server's
// reason (reasonZh in Chinese); those skipped because someone else has them can be reassigned.
import type { AssignResult } from '../../field-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'

/** The server's reason for a thing another person or team already has (AssignResult.skipped). */
export const isTakenElsewhere = (s: AssignResult['skipped'][number]) => s.reason.startsWith('already given to someone else')

export interface AssignResultViewProps {
  result: AssignResult
  busy: boolean
  /** Labels known for things (`kind-id` → case number etc.); others are shown by id. */
  labels?: Readonly<Record<string, string>>
  onReassign(skipped: AssignResult['skipped']): void
}

export function AssignResultView({ result, busy, labels = {}, onReassign }: AssignResultViewProps) {
  const { t, lang } = useI18n()
  const taken = result.skipped.filter(isTakenElsewhere)
  const nothing = result.created + result.reassigned + result.skipped.length === 0
  return (
    <div
      className="dispatch-result"
      role="status"
      data-testid="assign-result"
      data-created={result.created}
      data-reassigned={result.reassigned}
      data-skipped={result.skipped.length}
    >
      <p className={nothing ? 'muted' : 'done'}>
        {nothing
          ? t('dispatch.assign.nothing')
          : t('dispatch.assign.result', { created: result.created, reassigned: result.reassigned, skipped: result.skipped.length })}
      </p>
      {result.skipped.length > 0 && (
        <>
          <h4>{t('dispatch.assign.skipped')}</h4>
          <ul className="dispatch-skipped">
            {result.skipped.map((s) => (
              <li key={`${s.kind}-${s.id}`} data-testid="assign-skipped" data-kind={s.kind} data-id={s.id}>
                <span className="dispatch-kind">{t(`dispatch.kind.${s.kind}`)}</span> {labels[`${s.kind}-${s.id}`] ?? `#${s.id}`}：{lang === 'zh-CN' ? s.reasonZh : s.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {taken.length > 0 && (
        <div className="dispatch-reassign-offer">
          <span className="muted">{t('dispatch.assign.reassignHint')}</span>
          <button type="button" className="primary" disabled={busy} onClick={() => onReassign(taken)} data-testid="assign-reassign-skipped">
            {t('dispatch.assign.reassignSkipped', { n: taken.length })}
          </button>
        </div>
      )}
    </div>
  )
}
