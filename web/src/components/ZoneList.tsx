// The zones in the user's scope, newest first, and the import of a GIS file (one zone per
// feature, all or nothing; the server reads the file: docs/api-analysis.md).
import { useRef, useState } from 'react'
import { ApiError } from '../api.ts'
import { importZones, type Zone, type ZoneType } from '../analysis-api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { fmtNumber } from './PlanningDraw.tsx'
import { CrsOptions } from './CrsOptions.tsx'
import { ZoneTypeOptions } from './ZoneTypeOptions.tsx'

export interface ZoneListProps {
  zones: readonly Zone[] | null
  error: string | null
  canEdit: boolean
  selectedId: number | null
  onOpen(id: number): void
  onNew(): void
  onImported(zones: Zone[]): void
  onSessionLost(): void
}

export function ZoneList({ zones, error, canEdit, selectedId, onOpen, onNew, onImported, onSessionLost }: ZoneListProps) {
  const { t, label } = useI18n()
  const file = useRef<HTMLInputElement>(null)
  const [importType, setImportType] = useState<ZoneType>('rectification_area')
  /** '' = the file says its CRS (GeoJSON, .prj, GeoPackage, KML); else the user's choice. */
  const [importCrs, setImportCrs] = useState('')
  const [importing, setImporting] = useState(false)
  const [importError, setImportError] = useState<string | null>(null)
  const [importDone, setImportDone] = useState<number | null>(null)

  const upload = async (f: File) => {
    setImporting(true)
    setImportError(null)
    setImportDone(null)
    try {
      const made = await importZones(f, importType, importCrs ? { crs: importCrs } : {})
      setImportDone(made.length)
      onImported(made)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onSessionLost()
      else setImportError(e instanceof ApiError && e.problem?.field ? `${e.problem.field}: ${e.message}` : e instanceof Error ? e.message : String(e))
    } finally {
      setImporting(false)
      if (file.current) file.current.value = ''
    }
  }

  return (
    <section className="plan-zones" data-testid="zone-list" data-state={error ? 'error' : zones ? 'ok' : 'loading'}>
      {canEdit && (
        <div className="plan-zones-actions">
          <button type="button" className="primary" onClick={onNew} data-testid="zone-new">
            {t('plan.zone.new')}
          </button>
          <details className="plan-import">
            <summary>{t('plan.import.title')}</summary>
            <p className="plan-hint">{t('plan.import.hint')}</p>
            <label>
              {t('plan.zone.type')}
              <select value={importType} onChange={(e) => setImportType(e.target.value as ZoneType)}>
                <ZoneTypeOptions />
              </select>
            </label>
            <label>
              {t('plan.import.crs')}
              <select value={importCrs} onChange={(e) => setImportCrs(e.target.value)} data-testid="zone-import-crs">
                <option value="">{t('plan.import.crsFromFile')}</option>
                <CrsOptions />
              </select>
            </label>
            <input
              ref={file}
              type="file"
              accept=".geojson,.json,.zip,.gpkg,.kml,.kmz,.csv,application/geo+json,application/json,application/zip"
              disabled={importing}
              onChange={(e) => {
                const f = e.target.files?.[0]
                if (f) void upload(f)
              }}
              data-testid="zone-import-file"
            />
            {importing && <p role="status">{t('plan.import.running')}</p>}
            {importDone !== null && <p role="status">{t('plan.import.done', { n: importDone })}</p>}
            {importError && (
              <p className="form-error" role="alert" data-testid="zone-import-error">
                {importError}
              </p>
            )}
          </details>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {zones && zones.length === 0 && <p className="empty">{t('plan.zone.none')}</p>}
      <ul className="plan-zone-items">
        {(zones ?? []).map((z) => (
          <li key={z.id} className={z.id === selectedId ? 'selected' : undefined}>
            <button type="button" className="plan-zone-item" onClick={() => onOpen(z.id)} data-testid="zone-item" data-zone-id={z.id}>
              <span className="plan-zone-name">{z.name}</span>
              <span className="plan-badge">{label('zoneType', z.zoneType)}</span>
              <span className="plan-zone-meta">
                {z.adminName} · {fmtNumber(z.areaM2, 0)} {t('plan.unit.m2')}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
