// The visible layers in the URL hash, next to MapLibre's own `map=zoom/lat/lon[/bearing/pitch]`:
//   #map=14/39.71/115.99&layers=basemap,roads,admin,buildings,cases
// so that a link or a reload opens the same view with the same layers. MapLibre rewrites only its
// `map` parameter and keeps the others; this module rewrites only `layers` and keeps the others.
import { SWITCH_IDS, type SwitchId, type Visibility } from './map/groups.ts'

const PARAM = 'layers'

function hashParams(hash: string): URLSearchParams {
  return new URLSearchParams(hash.replace(/^#/, ''))
}

/** The hash for `params`, with commas and slashes left readable as MapLibre writes them; every other
 *  reserved character stays encoded, so a value that is itself a query string survives. */
function hashOf(params: URLSearchParams): string {
  return `#${params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')}`
}

/** The visibility a hash asks for, or null when it names no layer list. Unknown ids are ignored. */
export function visibilityFromHash(hash: string): Record<SwitchId, boolean> | null {
  const raw = hashParams(hash).get(PARAM)
  if (raw === null) return null
  const listed = new Set(raw.split(',').map((s) => s.trim()))
  return Object.fromEntries(SWITCH_IDS.map((id) => [id, listed.has(id)])) as Record<SwitchId, boolean>
}

export function layersParam(v: Visibility): string {
  return SWITCH_IDS.filter((id) => v[id]).join(',')
}

/** The hash with `layers=` set from `v`, every other parameter kept (commas left readable, as MapLibre does). */
export function hashWithLayers(hash: string, v: Visibility): string {
  const params = hashParams(hash)
  params.set(PARAM, layersParam(v))
  return hashOf(params)
}

/** Writes the layer list into the address bar without a history entry or a hashchange event. */
export function writeLayersToUrl(v: Visibility): void {
  const next = hashWithLayers(window.location.hash, v)
  if (next === window.location.hash) return
  const url = window.location.href.replace(/(#.*)?$/, next)
  window.history.replaceState(window.history.state, '', url)
}

// --- the screen: `view=ledger` (the map alone when absent) and `case=<id>` (the open case page) ---

export const SCREEN_VIEWS = ['map', 'ledger', 'planning', 'dashboard', 'patches', 'dispatch', 'reports', 'survey', 'onboarding'] as const
export type ScreenView = (typeof SCREEN_VIEWS)[number]

/** Views only some roles see (the others are everyone's): reference-data onboarding is the administrators',
 *  dispatch (派工: teams and assignments) the planners' and administrators'; the public's reports (举报受理)
 *  are read by the office's roles and triaged by planners and administrators (field teams work from
 *  their tasks instead). The house survey (自建房排查, `survey`) is everyone's: all read the files, surveyors
 *  (admin, planner, field) write them. */
export const VIEW_ROLES: Partial<Record<ScreenView, readonly string[]>> = {
  onboarding: ['admin'],
  dispatch: ['admin', 'planner'],
  reports: ['admin', 'planner', 'analyst', 'viewer'],
}

export function viewsFor(role: string): ScreenView[] {
  return SCREEN_VIEWS.filter((v) => VIEW_ROLES[v]?.includes(role) ?? true)
}

export function screenFromHash(hash: string): { view: ScreenView; caseId: number | null } {
  const params = hashParams(hash)
  const id = Number(params.get('case'))
  const v = params.get('view')
  const view = (SCREEN_VIEWS as readonly string[]).includes(v ?? '') ? (v as ScreenView) : 'map'
  return { view, caseId: Number.isInteger(id) && id > 0 ? id : null }
}

/** The hash with `view=` and `case=` set (or dropped), every other parameter kept. */
export function hashWithScreen(hash: string, view: ScreenView, caseId: number | null): string {
  const params = hashParams(hash)
  if (view !== 'map') params.set('view', view)
  else params.delete('view')
  if (caseId !== null) params.set('case', String(caseId))
  else params.delete('case')
  return hashOf(params)
}

export function writeScreenToUrl(view: ScreenView, caseId: number | null): void {
  const next = hashWithScreen(window.location.hash, view, caseId)
  if (next === window.location.hash) return
  const url = window.location.href.replace(/(#.*)?$/, next)
  window.history.replaceState(window.history.state, '', url)
}

// --- the ledger table's filter, sort and page: `ledger=<the API's query string>` ---

const LEDGER_PARAM = 'ledger'

/** The ledger view's query string from the hash ('' when absent). */
export function ledgerQueryFromHash(hash: string): string {
  return hashParams(hash).get(LEDGER_PARAM) ?? ''
}

/** Writes the table's query string into the address bar, every other parameter kept. */
export function writeLedgerQueryToUrl(query: string): void {
  const params = hashParams(window.location.hash)
  if (query) params.set(LEDGER_PARAM, query)
  else params.delete(LEDGER_PARAM)
  const next = hashOf(params)
  if (next === window.location.hash) return
  window.history.replaceState(window.history.state, '', window.location.href.replace(/(#.*)?$/, next))
}

// --- the patches view: `batch=<id>` and `patch=<id>` (the open patch page) ---

export function patchScreenFromHash(hash: string): { batchId: number | null; patchId: number | null } {
  const params = hashParams(hash)
  const num = (k: string) => {
    const n = Number(params.get(k))
    return Number.isInteger(n) && n > 0 ? n : null
  }
  return { batchId: num('batch'), patchId: num('patch') }
}

/** Writes (or drops) `batch=` and `patch=`, every other parameter kept. */
export function writePatchScreenToUrl(batchId: number | null, patchId: number | null): void {
  const params = hashParams(window.location.hash)
  for (const [k, v] of [['batch', batchId], ['patch', patchId]] as const) {
    if (v !== null) params.set(k, String(v))
    else params.delete(k)
  }
  const next = `#${params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')}`
  if (next === window.location.hash) return
  window.history.replaceState(window.history.state, '', window.location.href.replace(/(#.*)?$/, next))
}

// --- the reports view (举报受理): `report=<id>` (the open report) ---

export function reportFromHash(hash: string): number | null {
  const n = Number(hashParams(hash).get('report'))
  return Number.isInteger(n) && n > 0 ? n : null
}

/** Writes (or drops) `report=`, every other parameter kept. */
export function writeReportToUrl(id: number | null): void {
  const params = hashParams(window.location.hash)
  if (id !== null) params.set('report', String(id))
  else params.delete('report')
  const next = hashOf(params)
  if (next === window.location.hash) return
  window.history.replaceState(window.history.state, '', window.location.href.replace(/(#.*)?$/, next))
}

// --- the house survey (自建房排查): `survey=<id>` (the open house file) ---

export function surveyFromHash(hash: string): number | null {
  const n = Number(hashParams(hash).get('survey'))
  return Number.isInteger(n) && n > 0 ? n : null
}

/** Writes (or drops) `survey=`, every other parameter kept. */
export function writeSurveyToUrl(id: number | null): void {
  const params = hashParams(window.location.hash)
  if (id !== null) params.set('survey', String(id))
  else params.delete('survey')
  const next = hashOf(params)
  if (next === window.location.hash) return
  window.history.replaceState(window.history.state, '', window.location.href.replace(/(#.*)?$/, next))
}
