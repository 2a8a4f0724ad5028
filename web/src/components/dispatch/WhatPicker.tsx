// What to assign, picked one way: a village (its open cases and/or unverified patches), a zone
// (GET /api/zones), or the ledger view's current selection (its case ids).
import { useEffect, useState } from 'react'
import { listZones, type Zone } from '../../analysis-api.ts'
import { useI18n } from '../../i18n/i18n.tsx'
import { AdminUnitPicker, type AdminUnit } from './AdminUnitPicker.tsx'
import { currentLedgerFilter, ledgerCount, ledgerFilterText, MAX_IDS } from './ledger-selection.ts'

export const WAYS = ['village', 'zone', 'ledger'] as const
export type Way = (typeof WAYS)[number]
export type AreaKind = 'case' | 'detection'

export interface What {
  way: Way
  village: AdminUnit | null
  zone: Zone | null
  kinds: AreaKind[]
}

export const initialWhat: What = { way: 'village', village: null, zone: null, kinds: ['case'] }

/** The admin unit the picked work lies in, as far as it is known. */
export function areaOfWhat(w: What): string | null {
  if (w.way === 'village') return w.village?.code ?? null
  if (w.way === 'zone') return w.zone?.adminCode ?? null
  return currentLedgerFilter().admin ?? null
}

export interface WhatPickerProps {
  value: What
  onChange(value: What): void
}

export function WhatPicker({ value, onChange }: WhatPickerProps) {
  const i18n = useI18n()
  const { t } = i18n
  const [zones, setZones] = useState<Zone[] | null>(null)
  const [ledgerTotal, setLedgerTotal] = useState<number | null>(null)
  const set = (patch: Partial<What>) => onChange({ ...value, ...patch })
  const ledgerFilter = currentLedgerFilter()
  const ledgerKey = JSON.stringify(ledgerFilter)

  useEffect(() => {
    if (value.way !== 'zone' || zones !== null) return
    const ctl = new AbortController()
    listZones({}, ctl.signal)
      .then(setZones)
      .catch(() => !ctl.signal.aborted && setZones([]))
    return () => ctl.abort()
  }, [value.way, zones])

  // The ledger selection counted when that way is chosen.
  useEffect(() => {
    setLedgerTotal(null)
    if (value.way !== 'ledger') return
    const ctl = new AbortController()
    ledgerCount(JSON.parse(ledgerKey) as typeof ledgerFilter, ctl.signal)
      .then(setLedgerTotal)
      .catch(() => undefined)
    return () => ctl.abort()
  }, [value.way, ledgerKey])

  const toggleKind = (k: AreaKind, on: boolean) => set({ kinds: on ? [...value.kinds, k] : value.kinds.filter((x) => x !== k) })
  const kinds = (
    <div className="form-row">
      <span>{t('dispatch.assign.kinds')}</span>
      <div className="dispatch-choice">
        {(['case', 'detection'] as const).map((k) => (
          <label key={k}>
            <input type="checkbox" checked={value.kinds.includes(k)} onChange={(e) => toggleKind(k, e.target.checked)} data-testid={`assign-kind-${k}`} />
            {t(k === 'case' ? 'dispatch.assign.kindCases' : 'dispatch.assign.kindPatches')}
          </label>
        ))}
      </div>
    </div>
  )

  return (
    <fieldset className="dispatch-what">
      <legend>{t('dispatch.assign.what')}</legend>
      <div className="dispatch-choice" role="radiogroup">
        {WAYS.map((w) => (
          <label key={w}>
            <input type="radio" name="assign-way" checked={value.way === w} onChange={() => set({ way: w })} data-testid={`assign-by-${w}`} />
            {t(`dispatch.assign.by.${w}`)}
          </label>
        ))}
      </div>
      {value.way === 'village' && (
        <>
          <div className="form-row">
            <span>{t('dispatch.assign.village')}</span>
            <AdminUnitPicker value={value.village} onChange={(village) => set({ village })} levels={['village']} testId="assign-village" />
          </div>
          {kinds}
        </>
      )}
      {value.way === 'zone' && (
        <>
          <label className="form-row">
            <span>{t('dispatch.assign.zone')}</span>
            {zones === null ? (
              <span className="muted">{t('dispatch.loading')}</span>
            ) : zones.length === 0 ? (
              <span className="muted">{t('dispatch.assign.noZones')}</span>
            ) : (
              <select value={value.zone?.id ?? ''} onChange={(e) => set({ zone: zones.find((z) => z.id === Number(e.target.value)) ?? null })} data-testid="assign-zone">
                <option value="">{t('dispatch.assign.zonePick')}</option>
                {zones.map((z) => (
                  <option key={z.id} value={z.id}>
                    {z.name}（{z.adminName}）
                  </option>
                ))}
              </select>
            )}
          </label>
          {kinds}
        </>
      )}
      {value.way === 'ledger' && (
        <div className="dispatch-ledger-pick" data-testid="assign-ledger" data-total={ledgerTotal ?? ''}>
          <p>{t('dispatch.assign.ledgerFilter', { filter: ledgerFilterText(ledgerFilter, i18n) || t('dispatch.assign.ledgerAll') })}</p>
          {ledgerTotal !== null && (
            <p className={ledgerTotal > MAX_IDS ? 'form-error' : 'muted'}>
              {ledgerTotal === 0
                ? t('dispatch.assign.ledgerEmpty')
                : ledgerTotal > MAX_IDS
                  ? t('dispatch.assign.ledgerTooMany', { n: ledgerTotal })
                  : t('dispatch.assign.ledgerCount', { n: ledgerTotal })}
            </p>
          )}
        </div>
      )}
    </fieldset>
  )
}
