// The planning and analysis part of the API client (docs/api-analysis.md): zones with their ETag
// and history, any-area statistics, ledger statistics (JSON and the XLSX of the same table), key
// villages, targets and the burn-down.
//
// The response shapes come from the server's API schemas (types only, one definition), the code
// lists from its pure domain modules; only what the client sends is declared here.
import { ZONE_TYPES, type ZoneType } from '../../server/src/domain/planning-types.ts'
import { SHARED_FIGURES, type GroupKey, type SharedFigure } from '../../server/src/domain/statistics.ts'
import { TARGET_FIGURES, type TargetFigure } from '../../server/src/domain/targets.ts'
import type {
  AreaStatistics as AreaStatisticsView, Burndown, BurndownStep, ChangeEntry, ChangeHistory, KeyVillage, KeyVillageList, PolygonalGeometry, StatisticsTable,
  TargetList, TargetView, Zone, ZoneFields, ZoneList, ZoneTargets,
} from '../../server/src/schemas/planning.schema.ts'
import { request, uploadFile } from './api.ts'

export { TARGET_FIGURES, ZONE_TYPES }
export type { Burndown, KeyVillage, TargetFigure, Zone, ZoneFields, ZoneTargets, ZoneType }
export type ZoneGeometry = PolygonalGeometry
export type ZoneHistoryEntry = ChangeEntry

// --- statistics --------------------------------------------------------------------------------

export type StatGroupKey = GroupKey

/** The figures a table, the charts and the choropleth offer (those with a share column). */
export const STAT_FIGURES = SHARED_FIGURES
export type StatFigure = SharedFigure

export type Statistics = StatisticsTable

export interface StatQuery {
  groupBy: readonly StatGroupKey[]
  from?: string
  to?: string
  admin?: string
  zone?: number
}

export function statisticsQueryString(q: StatQuery, format: 'json' | 'xlsx' = 'json'): string {
  const p = new URLSearchParams()
  if (q.groupBy.length) p.set('groupBy', q.groupBy.join(','))
  if (q.from) p.set('from', q.from)
  if (q.to) p.set('to', q.to)
  if (q.admin) p.set('admin', q.admin)
  if (q.zone !== undefined) p.set('zone', String(q.zone))
  if (format === 'xlsx') p.set('format', 'xlsx')
  return p.toString()
}

export async function getStatistics(q: StatQuery, signal?: AbortSignal): Promise<Statistics> {
  const res = await request('GET', `/api/statistics?${statisticsQueryString(q)}`, undefined, signal)
  return (await res.json()) as Statistics
}

/** The URL of the same table as a workbook (a plain link: the browser downloads it with the cookie). */
export function statisticsXlsxUrl(q: StatQuery): string {
  return `/api/statistics?${statisticsQueryString(q, 'xlsx')}`
}

export type AreaStatistics = AreaStatisticsView

export async function areaStatistics(geometry: ZoneGeometry, signal?: AbortSignal): Promise<AreaStatistics> {
  const res = await request('POST', '/api/statistics/area', { geometry }, signal)
  return (await res.json()) as AreaStatistics
}

/** The figures inside a drawn area as a workbook (the same POST, format=xlsx). */
export async function areaStatisticsXlsx(geometry: ZoneGeometry): Promise<Blob> {
  return (await request('POST', '/api/statistics/area?format=xlsx', { geometry })).blob()
}

/** The figures inside a zone as a workbook: a plain link. */
export const zoneStatisticsXlsxUrl = (id: number) => `/api/zones/${id}/statistics?format=xlsx`

// --- zones ------------------------------------------------------------------------------------

export interface VersionedZone {
  data: Zone
  etag: string
}

/** How a new zone gets its shape: drawn (or read from a file), or the union of villages / parcels. */
export type ZoneShape = { geometry: ZoneGeometry } | { fromVillages: string[] } | { fromParcels: number[] }

async function versionedZone(res: Response): Promise<VersionedZone> {
  const data = (await res.json()) as Zone
  return { data, etag: res.headers.get('etag') ?? `"v${data.version}"` }
}

export async function listZones(opts: { type?: ZoneType; admin?: string } = {}, signal?: AbortSignal): Promise<Zone[]> {
  const p = new URLSearchParams({ geometry: 'false' })
  if (opts.type) p.set('type', opts.type)
  if (opts.admin) p.set('admin', opts.admin)
  const res = await request('GET', `/api/zones?${p}`, undefined, signal)
  return ((await res.json()) as ZoneList).items
}

export async function getZone(id: number, signal?: AbortSignal): Promise<VersionedZone> {
  return versionedZone(await request('GET', `/api/zones/${id}`, undefined, signal))
}

export async function createZone(fields: ZoneFields, shape: ZoneShape): Promise<VersionedZone> {
  return versionedZone(await request('POST', '/api/zones', { ...fields, ...shape }))
}

export async function updateZone(id: number, etag: string, body: Partial<ZoneFields> & { geometry?: ZoneGeometry }): Promise<VersionedZone> {
  return versionedZone(await request('PATCH', `/api/zones/${id}`, body, undefined, { 'If-Match': etag }))
}

export async function deleteZone(id: number, etag: string): Promise<void> {
  await request('DELETE', `/api/zones/${id}`, undefined, undefined, { 'If-Match': etag })
}

export async function zoneHistory(id: number, signal?: AbortSignal): Promise<ZoneHistoryEntry[]> {
  const res = await request('GET', `/api/zones/${id}/history`, undefined, signal)
  return ((await res.json()) as ChangeHistory).history
}

export async function zoneStatistics(id: number, signal?: AbortSignal): Promise<AreaStatistics> {
  const res = await request('GET', `/api/zones/${id}/statistics`, undefined, signal)
  return (await res.json()) as AreaStatistics
}

/** One zone per feature of a GIS file (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV+WKT),
 *  all or nothing; `crs` only when the file does not say its own (the server asks: 400 field crs). */
export async function importZones(file: File, zoneType: ZoneType, opts: { crs?: string; nameProperty?: string } = {}): Promise<Zone[]> {
  const fields: Record<string, string> = { zoneType, nameProperty: opts.nameProperty ?? 'name' }
  if (opts.crs) fields.crs = opts.crs
  return (await uploadFile<ZoneList>('/api/zones/import', fields, file)).items
}

// --- key villages ------------------------------------------------------------------------------

export async function listKeyVillages(opts: { densityThreshold?: number; town?: string } = {}, signal?: AbortSignal): Promise<KeyVillageList> {
  const p = new URLSearchParams()
  if (opts.densityThreshold !== undefined) p.set('densityThreshold', String(opts.densityThreshold))
  if (opts.town) p.set('town', opts.town)
  const res = await request('GET', `/api/key-villages?${p}`, undefined, signal)
  return (await res.json()) as KeyVillageList
}

// --- targets ----------------------------------------------------------------------------------

export type TargetItem = TargetView

export async function listTargets(opts: { year: number; admin?: string }, signal?: AbortSignal): Promise<TargetItem[]> {
  const p = new URLSearchParams({ year: String(opts.year) })
  if (opts.admin) p.set('admin', opts.admin)
  const res = await request('GET', `/api/targets?${p}`, undefined, signal)
  return ((await res.json()) as TargetList).items
}

export async function getBurndown(opts: { admin: string; year: number; step?: BurndownStep }, signal?: AbortSignal): Promise<Burndown> {
  const p = new URLSearchParams({ admin: opts.admin, year: String(opts.year), step: opts.step ?? 'week' })
  const res = await request('GET', `/api/targets/burndown?${p}`, undefined, signal)
  return (await res.json()) as Burndown
}
