// The coordinate systems a user can say a file is in (when the file does not say): the options of
// a <select>, shared by the patch import wizard and the zone upload.
import type { MessageKey } from '../i18n/messages.ts'
import { useI18n } from '../i18n/i18n.tsx'

export const CRS_CHOICES = ['EPSG:4490', 'EPSG:4326', 'EPSG:4527', 'EPSG:4548', 'GCJ-02'] as const

export function CrsOptions() {
  const { t } = useI18n()
  return (
    <>
      {CRS_CHOICES.map((c) => (
        <option key={c} value={c}>
          {t(`imp.crs.${c}` as MessageKey)}
        </option>
      ))}
    </>
  )
}
