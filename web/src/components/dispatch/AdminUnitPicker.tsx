// An admin unit (区 / 镇街 / 村社区) in the user's scope, picked by name or code. Like the ledger's
// admin filter it asks /api/search (which answers within the user's scope); the hits are listed
// under the field, and a full code typed in is taken at once.
import { useId, useState } from 'react'
import type { SearchHit } from '../../api.ts'
import { useAdminUnitSearch, type AdminKind } from '../../hooks/use-admin-unit-search.ts'
import { useI18n } from '../../i18n/i18n.tsx'

export interface AdminUnit {
  code: string
  name: string
}

type Level = AdminKind

export interface AdminUnitPickerProps {
  value: AdminUnit | null
  onChange(unit: AdminUnit | null): void
  /** The levels offered (default: all three). */
  levels?: readonly Level[]
  testId: string
  invalid?: boolean
}

const LEVEL_OF_LENGTH: Readonly<Record<number, Level>> = { 6: 'district', 9: 'town', 12: 'village' }

export function AdminUnitPicker({ value, onChange, levels = ['district', 'town', 'village'], testId, invalid }: AdminUnitPickerProps) {
  const { t } = useI18n()
  const listId = useId()
  const [text, setText] = useState('')
  const [open, setOpen] = useState(false)
  const hits = useAdminUnitSearch(text, levels, 12)

  const choose = (h: SearchHit) => {
    onChange({ code: h.id, name: h.label })
    setText('')
    setOpen(false)
  }

  if (value) {
    const level = LEVEL_OF_LENGTH[value.code.length]
    return (
      <div className="dispatch-unit-chosen" data-testid={testId} data-code={value.code}>
        <b>{value.name}</b>
        <span className="muted">
          {level ? t(`dispatch.level.${level}`) : ''} {value.code}
        </span>
        <button type="button" className="link-button" onClick={() => onChange(null)} data-testid={`${testId}-clear`}>
          {t('dispatch.area.clear')}
        </button>
      </div>
    )
  }
  return (
    <div className="dispatch-unit-picker">
      <input
        type="search"
        value={text}
        placeholder={t('dispatch.area.placeholder')}
        aria-invalid={invalid || undefined}
        aria-controls={listId}
        onChange={(e) => {
          setText(e.target.value)
          setOpen(true)
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            if (hits?.[0]) choose(hits[0])
          }
          if (e.key === 'Escape') setOpen(false)
        }}
        data-testid={`${testId}-input`}
      />
      {open && hits !== null && (
        <ul className="dispatch-unit-hits" id={listId} role="listbox">
          {hits.length === 0 && <li className="muted">{t('dispatch.area.noHit')}</li>}
          {hits.map((h) => (
            <li key={h.id} role="option" aria-selected={false}>
              <button type="button" onClick={() => choose(h)} data-testid={`${testId}-hit`} data-code={h.id}>
                <b>{h.label}</b> <span className="muted">{t(`dispatch.level.${h.kind as Level}`)} {h.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
