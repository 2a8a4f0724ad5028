// The zone types as <option>s, labelled in the current language (the editor and the file import).
import { ZONE_TYPES } from '../analysis-api.ts'
import { useI18n } from '../i18n/i18n.tsx'

export function ZoneTypeOptions() {
  const { label } = useI18n()
  return (
    <>
      {ZONE_TYPES.map((z) => (
        <option key={z} value={z}>
          {label('zoneType', z)}
        </option>
      ))}
    </>
  )
}
