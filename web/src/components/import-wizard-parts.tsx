// The pieces the two import wizards (ImportWizard for patches, LayerImportWizard for reference
// layers) show alike: the steps, choosing the file (with its CRS and encoding when it cannot say),
// giving the CRS a file lacks, and the reader's warnings. `testid` is each wizard's prefix
// ('import', 'layer-import'): the data-testids are `${testid}-file`, `${testid}-crs`, ….
import { useI18n } from '../i18n/i18n.tsx'
import type { MessageKey } from '../i18n/messages.ts'
import { CrsOptions } from './CrsOptions.tsx'

/** The numbered steps, the current one active and those before it done (1-based `step`). */
export function WizardSteps({ steps, step }: { steps: readonly MessageKey[]; step: number }) {
  const { t } = useI18n()
  return (
    <ol className="steps">
      {steps.map((k, i) => (
        <li key={k} className={i + 1 === step ? 'active' : i + 1 < step ? 'done' : undefined}>
          {t(k)}
        </li>
      ))}
    </ol>
  )
}

export interface ImportFileFieldsProps {
  testid: string
  onFile(file: File | null): void
  crs: string
  onCrs(crs: string): void
  encoding: string
  onEncoding(encoding: string): void
}

/** The file to upload, the formats read, and its CRS and encoding ('' = as the file says / detect). */
export function ImportFileFields({ testid, onFile, crs, onCrs, encoding, onEncoding }: ImportFileFieldsProps) {
  const { t } = useI18n()
  return (
    <>
      <label className="form-row">
        <span>{t('imp.file')}</span>
        <input type="file" accept=".zip,.geojson,.json,.gpkg,.kml,.kmz,.csv" onChange={(e) => onFile(e.target.files?.[0] ?? null)} data-testid={`${testid}-file`} />
      </label>
      <p className="muted">{t('imp.formats')}</p>
      <label className="form-row">
        <span>{t('imp.crs')}</span>
        <select value={crs} onChange={(e) => onCrs(e.target.value)} data-testid={`${testid}-crs`}>
          <option value="">{t('imp.crsFromFile')}</option>
          <CrsOptions />
        </select>
      </label>
      <label className="form-row">
        <span>{t('imp.encoding')}</span>
        <select value={encoding} onChange={(e) => onEncoding(e.target.value)} data-testid={`${testid}-encoding`}>
          <option value="">{t('imp.encodingAuto')}</option>
          <option value="UTF-8">UTF-8</option>
          <option value="GBK">GBK</option>
        </select>
      </label>
    </>
  )
}

/** The file has no CRS: choose one (the import is read again with it). */
export function NeedsCrsStep({ testid, disabled, onCrs }: { testid: string; disabled?: boolean; onCrs(crs: string): void }) {
  const { t } = useI18n()
  return (
    <div className="transition-form" data-testid={`${testid}-needs-crs`}>
      <p>{t('imp.needsCrs')}</p>
      <label className="form-row">
        <span>{t('imp.crs')}</span>
        <select defaultValue="" disabled={disabled} onChange={(e) => e.target.value && onCrs(e.target.value)} data-testid={`${testid}-needs-crs-select`}>
          <option value="">{t('patch.choose')}</option>
          <CrsOptions />
        </select>
      </label>
    </div>
  )
}

/** What the reader warns of (nothing when there are none). */
export function ImportWarnings({ testid, warnings }: { testid: string; warnings: readonly { code: string; message: string }[] }) {
  if (warnings.length === 0) return null
  return (
    <ul className="warnings" data-testid={`${testid}-warnings`}>
      {warnings.map((w) => (
        <li key={w.code}>{w.message}</li>
      ))}
    </ul>
  )
}
