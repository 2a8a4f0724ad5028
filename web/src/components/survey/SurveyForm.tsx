// The form of a house file (一户一档), the same on the desktop and on the phone: choices as rows of
// big buttons (one tap each, no drop-down to aim at), numbers with the phone's number pad. It checks
// the rules the server checks (house-survey.ts surveyFieldProblem) before anything is sent, and
// keeps the fields consistent as it goes (a residential house has no business kind or licence; no
// grade without an appraisal).
import { useState, type FormEvent, type ReactNode } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import {
  BUSINESS_KINDS, GRADES, HAZARDS, HOUSE_USES, needsMeasures, OWNER_TYPES, STRUCTURES, surveyFieldProblem, type SurveyValues,
} from '../../survey-api.ts'

export interface SurveyFormProps {
  initial: SurveyValues
  /** The owner's name and phone are asked (the roles that handle personal data). */
  withOwner: boolean
  /** The phone's layout: one column, bigger targets. */
  phone?: boolean
  title?: ReactNode
  /** Above the buttons, e.g. the phone's photos. */
  extra?: ReactNode
  busy?: boolean
  /** A problem from the server (shown under the form). */
  error?: ReactNode
  onSubmit(values: SurveyValues): void | Promise<void>
  onCancel(): void
}

type Key = keyof SurveyValues

function Choice<T extends string>({ field, value, options, labelOf, onChange, invalid }: {
  field: Key
  value: T | null
  options: readonly T[]
  labelOf(v: T): string
  onChange(v: T): void
  invalid?: boolean
}) {
  return (
    <div className={invalid ? 'survey-choice invalid' : 'survey-choice'} role="radiogroup" data-field={field}>
      {options.map((o) => (
        <button key={o} type="button" role="radio" aria-checked={value === o} data-value={o} className={value === o ? 'on' : undefined} onClick={() => onChange(o)}>
          {labelOf(o)}
        </button>
      ))}
    </div>
  )
}

function Row({ label, children, field, bad }: { label: MessageKey; children: ReactNode; field: Key; bad: Key | null }) {
  const { t } = useI18n()
  return (
    <div className={bad === field ? 'survey-row invalid' : 'survey-row'}>
      <span className="survey-label">{t(label)}</span>
      {children}
    </div>
  )
}

const numOrNull = (s: string) => (s.trim() === '' || !Number.isFinite(Number(s)) ? null : Math.trunc(Number(s)))

export function SurveyForm({ initial, withOwner, phone, title, extra, busy, error, onSubmit, onCancel }: SurveyFormProps) {
  const { t, lang } = useI18n()
  const [v, setV] = useState<SurveyValues>(initial)
  const [problem, setProblem] = useState<{ field: Key | null; text: string } | null>(null)
  const set = <K extends Key>(k: K, value: SurveyValues[K]) => setV((o) => ({ ...o, [k]: value }))
  const yesNo = (b: boolean) => t(b ? 'survey.yes' : 'survey.no')

  const setUse = (use: SurveyValues['use']) =>
    setV((o) => (use === 'residential' ? { ...o, use, businessKind: null, businessLicence: null } : { ...o, use }))
  const setAppraisal = (appraisal: SurveyValues['appraisal']) => setV((o) => ({ ...o, appraisal, appraisalGrade: appraisal === 'none' ? null : o.appraisalGrade }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!Number.isInteger(v.floors) || v.floors < 1) return setProblem({ field: 'floors', text: t('survey.form.required', { field: t('survey.field.floors') }) })
    const fault = surveyFieldProblem(v)
    if (fault) return setProblem({ field: fault.field as Key, text: lang === 'zh-CN' ? fault.zh : fault.message })
    setProblem(null)
    const clean: SurveyValues = { ...v, addressText: v.addressText?.trim() || null, ownerName: v.ownerName?.trim() || null, ownerPhone: v.ownerPhone?.trim() || null }
    if (!withOwner) {
      delete clean.ownerName
      delete clean.ownerPhone
    }
    await onSubmit(clean)
  }
  const bad = problem?.field ?? null
  const business = v.use !== 'residential'

  return (
    <form className={phone ? 'survey-form phone' : 'survey-form'} onSubmit={(e) => void submit(e)} data-testid="survey-form" noValidate>
      {title && <h3 className="survey-form-title">{title}</h3>}

      <fieldset>
        <legend>{t('survey.form.house')}</legend>
        <Row label="survey.field.addressText" field="addressText" bad={bad}>
          <input name="addressText" value={v.addressText ?? ''} maxLength={200} onChange={(e) => set('addressText', e.target.value)} />
        </Row>
        <div className="survey-pair">
          <Row label="survey.field.floors" field="floors" bad={bad}>
            <input name="floors" type="number" inputMode="numeric" min={1} max={50} value={Number.isFinite(v.floors) ? v.floors : ''} onChange={(e) => set('floors', numOrNull(e.target.value) ?? Number.NaN)} required />
          </Row>
          <Row label="survey.field.builtYear" field="builtYear" bad={bad}>
            <input name="builtYear" type="number" inputMode="numeric" min={1900} max={2100} value={v.builtYear ?? ''} onChange={(e) => set('builtYear', numOrNull(e.target.value))} />
          </Row>
        </div>
        <Row label="survey.field.structure" field="structure" bad={bad}>
          <Choice field="structure" value={v.structure} options={STRUCTURES} labelOf={(o) => t(`survey.structure.${o}`)} onChange={(o) => set('structure', o)} />
        </Row>
      </fieldset>

      <fieldset>
        <legend>{t('survey.form.owner')}</legend>
        <Row label="survey.field.ownerType" field="ownerType" bad={bad}>
          <Choice field="ownerType" value={v.ownerType} options={OWNER_TYPES} labelOf={(o) => t(`survey.ownerType.${o}`)} onChange={(o) => set('ownerType', o)} />
        </Row>
        {withOwner && (
          <div className="survey-pair">
            <Row label="survey.field.ownerName" field="ownerName" bad={bad}>
              <input name="ownerName" value={v.ownerName ?? ''} maxLength={50} autoComplete="off" onChange={(e) => set('ownerName', e.target.value)} />
            </Row>
            <Row label="survey.field.ownerPhone" field="ownerPhone" bad={bad}>
              <input name="ownerPhone" type="tel" inputMode="tel" value={v.ownerPhone ?? ''} maxLength={30} autoComplete="off" onChange={(e) => set('ownerPhone', e.target.value)} />
            </Row>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('survey.form.use')}</legend>
        <Row label="survey.field.use" field="use" bad={bad}>
          <Choice field="use" value={v.use} options={HOUSE_USES} labelOf={(o) => t(`survey.use.${o}`)} onChange={setUse} />
        </Row>
        {business && (
          <>
            <Row label="survey.field.businessKind" field="businessKind" bad={bad}>
              <Choice field="businessKind" value={v.businessKind} options={BUSINESS_KINDS} labelOf={(o) => t(`survey.businessKind.${o}`)} onChange={(o) => set('businessKind', o)} invalid={bad === 'businessKind'} />
            </Row>
            <Row label="survey.field.businessLicence" field="businessLicence" bad={bad}>
              <Choice
                field="businessLicence"
                value={v.businessLicence === null ? null : v.businessLicence ? 'yes' : 'no'}
                options={['yes', 'no'] as const}
                labelOf={(o) => t(`survey.licence.${o}`)}
                onChange={(o) => set('businessLicence', o === 'yes')}
                invalid={bad === 'businessLicence'}
              />
            </Row>
          </>
        )}
        <Row label="survey.field.rented" field="rented" bad={bad}>
          <Choice field="rented" value={v.rented ? 'yes' : 'no'} options={['yes', 'no'] as const} labelOf={(o) => yesNo(o === 'yes')} onChange={(o) => set('rented', o === 'yes')} />
        </Row>
        <div className="survey-pair">
          <Row label="survey.field.residents" field="residents" bad={bad}>
            <input name="residents" type="number" inputMode="numeric" min={0} max={10000} value={v.residents} onChange={(e) => set('residents', numOrNull(e.target.value) ?? 0)} />
          </Row>
          <Row label="survey.field.workers" field="workers" bad={bad}>
            <input name="workers" type="number" inputMode="numeric" min={0} max={10000} value={v.workers} onChange={(e) => set('workers', numOrNull(e.target.value) ?? 0)} />
          </Row>
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('survey.form.safety')}</legend>
        <Row label="survey.field.appraisal" field="appraisal" bad={bad}>
          <Choice field="appraisal" value={v.appraisal} options={['none', 'done'] as const} labelOf={(o) => t(`survey.appraisal.${o}`)} onChange={setAppraisal} />
        </Row>
        {v.appraisal === 'done' && (
          <Row label="survey.field.appraisalGrade" field="appraisalGrade" bad={bad}>
            <Choice field="appraisalGrade" value={v.appraisalGrade} options={GRADES} labelOf={(o) => o} onChange={(o) => set('appraisalGrade', o)} invalid={bad === 'appraisalGrade'} />
          </Row>
        )}
        <Row label="survey.field.hazard" field="hazard" bad={bad}>
          <Choice field="hazard" value={v.hazard} options={HAZARDS} labelOf={(o) => t(`survey.hazard.${o}`)} onChange={(o) => set('hazard', o)} />
        </Row>
        {needsMeasures(v) && <p className="survey-hint">{t('survey.form.needsMeasures')}</p>}
      </fieldset>

      {extra}
      {problem && (
        <p className="form-error survey-problem" role="alert" data-testid="survey-form-problem" data-field={problem.field ?? ''}>
          {problem.text}
        </p>
      )}
      {error}
      <div className="survey-form-buttons">
        <button type="button" onClick={onCancel}>
          {t('survey.form.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="survey-save">
          {busy ? t('survey.form.saving') : t('survey.form.save')}
        </button>
      </div>
    </form>
  )
}
