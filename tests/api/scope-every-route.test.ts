// Every route of the OpenAPI document, called by users of one village (H) with the ids, codes and
// places of others: another's records answer 404 (or 403), writes to them change nothing, and no
// answer (JSON, CSV, Excel, GeoPackage, vector tiles) holds a row of another village. A route added
// without a probe here fails the first test: scope is checked for every route, not for the ones
// somebody remembered.
import assert from 'node:assert/strict'
import { afterAll, beforeAll, test } from 'vitest'
import { VectorTile } from '@mapbox/vector-tile'
import ExcelJS from 'exceljs'
import { PbfReader } from 'pbf'
import initSqlJs from 'sql.js'
import { LAYERS } from '../../server/src/sources/layers.ts'
import { multipartBody } from '../fixtures/patches/canonical.ts'
import { DISTRICT, testApp, type TestApp } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/photo.ts'
import { sendReport } from '../helpers/public-report.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
interface Call {
  url: string
  method?: Method
  payload?: unknown
  headers?: Record<string, string>
  /** Statuses this call may answer; default: GET of own things 2xx/204/404-free, others 403/404. */
  /** own: 2xx/3xx; read: anything but a 5xx (e.g. 404 for nothing in the home village); refused: 403/404 */
  expect: 'own' | 'read' | 'refused' | 'any4xx'
  /** The answer may name the admin unit a place sent with the request lies in (public geography, no row). */
  namesPlace?: boolean
  /** What else the answer must show (e.g. counts confined to the home village). */
  check?: (body: unknown) => void
}
type Probe = (c: Ctx) => Call[]

interface Ctx {
  home: { code: string; town: string; lon: number; lat: number; caseId: number; caseNo: string; detectionId: number }
  foreign: { code: string; lon: number; lat: number; caseId: number; detectionId: number; zoneId: number; attachmentId: number; importId: string; layerImportId: string; teamId: number; assignmentId: number; uploadId: string; reportId: number; reportPhotoId: number; surveyId: number; measureId: number; buildingId: number; surveyWorkbook: Buffer }
  /** Cases in the home village, and those of them waiting for a location. */
  homeCases: { cases: number; pending: number }
  /** The foreign records' current versions: a write sends the right If-Match, so only scope can refuse it. */
  versions: { case: number; detection: number; zone: number; batch: number }
  batchId: number
  ruleSetId: number
  year: number
}

let t: TestApp
let ctx: Ctx
let admin: string // admin role, scoped to the home village: every role check passes, only scope refuses
let viewer: string
let district: string
/** Admin codes (12 and 9 digits) a home user must never see. */
let foreignCodes: Set<string>
/** Case and patch numbers of other villages. */
let foreignNumbers: string[]
/** Per scoped layer: the keys of its rows in the home village. */
const ownKeys = new Map<string, Set<string>>()

const square = (lon: number, lat: number, d = 0.001) => ({
  type: 'Polygon',
  coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
})

function tileAt(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const x = Math.floor(((lon + 180) / 360) * n)
  const rad = (lat * Math.PI) / 180
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)
  return { z, x, y }
}

beforeAll(async () => {
  t = await testApp('tiny')
  const q = async <T>(sql: string, params: unknown[] = []) => (await t.db.query<T & Record<string, unknown>>(sql, params)).rows
  // H: the village with the most cases that also has patches; F: a busy village of another town
  const [h] = await q<{ code: string }>(
    `SELECT c.admin_code AS code FROM cases c WHERE EXISTS (SELECT 1 FROM detections d WHERE d.admin_code = c.admin_code)
     GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
  )
  const home = h!.code
  const [f] = await q<{ code: string }>(
    `SELECT c.admin_code AS code FROM cases c WHERE left(c.admin_code, 9) <> left($1, 9)
       AND EXISTS (SELECT 1 FROM detections d WHERE d.admin_code = c.admin_code)
     GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    [home],
  )
  const far = f!.code
  const place = async (code: string) =>
    (await q<{ lon: number; lat: number }>(`SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units WHERE code = $1) s`, [code]))[0]!
  const first = async (table: string, code: string) => (await q<{ id: number }>(`SELECT id FROM ${table} WHERE admin_code = $1 ORDER BY id LIMIT 1`, [code]))[0]!.id
  const homeCase = (await q<{ id: number; case_no: string }>(`SELECT id, case_no FROM cases WHERE admin_code = $1 ORDER BY id LIMIT 1`, [home]))[0]!

  district = await t.signIn('admin', DISTRICT)
  admin = await t.signIn('admin', home)
  viewer = await t.signIn('viewer', home)

  // things of the far village that only a district user can make: a zone, a photo, an import
  const farPlace = await place(far)
  const zone = await t.app.inject({
    method: 'POST', url: '/api/zones', headers: { cookie: district },
    payload: { name: '外村整治片区', zoneType: 'key_village', geometry: square(farPlace.lon, farPlace.lat) },
  })
  assert.equal(zone.statusCode, 201, zone.body)
  const farCase = await first('cases', far)
  const photo = multipartBody({}, { name: 'site.jpg', bytes: phonePhoto(farPlace.lon, farPlace.lat) })
  const att = await t.app.inject({ method: 'POST', url: `/api/cases/${farCase}/attachments`, payload: photo.payload, headers: { ...photo.headers, cookie: district } })
  assert.equal(att.statusCode, 201, att.body)
  const gj = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { 图斑编号: 'X-1' }, geometry: square(farPlace.lon, farPlace.lat) }] }))
  const up = multipartBody({}, { name: 'far.geojson', bytes: gj })
  const imp = await t.app.inject({ method: 'POST', url: '/api/detection-imports', payload: up.payload, headers: { ...up.headers, cookie: district } })
  assert.equal(imp.statusCode, 201, imp.body)

  const layerUp = multipartBody({ layer: 'buildings' }, { name: 'far-buildings.geojson', bytes: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { 层数: 2 }, geometry: square(farPlace.lon, farPlace.lat, 0.0001) }] })) })
  const layerImp = await t.app.inject({ method: 'POST', url: '/api/layer-imports', payload: layerUp.payload, headers: { ...layerUp.headers, cookie: district } })
  assert.equal(layerImp.statusCode, 202, layerImp.body)
  // read in the background: wait until it rests, so only a probe could change its state
  for (let i = 0; i < 200 && (await q<{ state: string }>('SELECT state FROM layer_imports WHERE id = $1', [layerImp.json().id]))[0]!.state === 'reading'; i++) {
    await new Promise((r) => setTimeout(r, 50))
  }

  // a team of the far village and a parcel given to it
  const farTeam = await t.app.inject({ method: 'POST', url: '/api/teams', headers: { cookie: district }, payload: { name: '外村工作组', kind: 'village_team', adminCode: far, memberIds: [] } })
  assert.equal(farTeam.statusCode, 201, farTeam.body)
  const farParcel = await first('parcels', far)
  const farAssign = await t.app.inject({ method: 'POST', url: '/api/assignments', headers: { cookie: district }, payload: { parcels: [farParcel], teamId: farTeam.json().id } })
  assert.equal(farAssign.json().created, 1, farAssign.body)

  // an upload the district user started (uploads are their starter's, whatever the village)
  const farUpload = await t.app.inject({ method: 'POST', url: '/api/uploads', headers: { cookie: district }, payload: { bytes: 10, fileName: 'far.jpg' } })
  assert.equal(farUpload.statusCode, 201, farUpload.body)

  // a resident's report from the far village, with a photo
  const farReport = await sendReport(t.app, '192.0.2.40', { lon: farPlace.lon, lat: farPlace.lat }, [{ name: 'far.jpg', bytes: phonePhoto(farPlace.lon, farPlace.lat) }])
  assert.equal(farReport.statusCode, 201, farReport.body)
  const [farReportPhoto] = await q<{ id: number }>(`SELECT id FROM report_photos WHERE report_id = $1`, [farReport.json().id])

  // the file of a house in the far village (自建房排查)
  const farBuilding = await first('buildings', far)
  const farSurvey = await t.app.inject({ method: 'POST', url: '/api/surveys', headers: { cookie: district }, payload: {
    buildingId: farBuilding, addressText: null, ownerType: 'individual', floors: 3, structure: 'frame', builtYear: 2010, use: 'residential', businessKind: null,
    rented: true, residents: 3, workers: 0, businessLicence: null, appraisal: 'done', appraisalGrade: 'C', hazard: 'general', ownerName: '外村户主',
  } })
  assert.equal(farSurvey.statusCode, 201, farSurvey.body)
  const farMeasure = await t.app.inject({ method: 'POST', url: `/api/surveys/${farSurvey.json().id}/measures`, headers: { cookie: district, 'if-match': '"v1"' }, payload: { kind: 'monitor', deadline: '2027-01-01' } })
  assert.equal(farMeasure.statusCode, 200, farMeasure.body)
  const surveyWorkbook = (await t.app.inject({ url: '/api/surveys/export.xlsx', headers: { cookie: district } })).rawPayload

  const [batch] = await q<{ id: number }>(`SELECT batch_id AS id FROM detections WHERE admin_code = $1 ORDER BY id LIMIT 1`, [home])
  const [ruleSet] = await q<{ id: number }>(`SELECT id FROM buffer_rule_sets ORDER BY id LIMIT 1`)
  const [target] = await q<{ year: number }>(`SELECT year FROM targets ORDER BY year LIMIT 1`)
  ctx = {
    home: { code: home, town: home.slice(0, 9), ...(await place(home)), caseId: homeCase.id, caseNo: homeCase.case_no, detectionId: await first('detections', home) },
    foreign: {
      code: far, ...farPlace, caseId: farCase, detectionId: await first('detections', far), zoneId: zone.json().id, attachmentId: att.json().id, importId: imp.json().id, layerImportId: layerImp.json().id,
      teamId: farTeam.json().id, assignmentId: farAssign.json().items[0].id, uploadId: farUpload.json().id,
      reportId: farReport.json().id, reportPhotoId: farReportPhoto!.id, surveyId: farSurvey.json().id, measureId: farMeasure.json().measures[0].id, buildingId: farBuilding, surveyWorkbook,
    },
    homeCases: (await q<{ cases: number; pending: number }>(
      `SELECT count(*)::int AS cases, count(*) FILTER (WHERE location_pending)::int AS pending FROM cases WHERE starts_with(admin_code, $1)`, [home]))[0]!,
    versions: { case: 0, detection: 0, zone: 0, batch: 0 },
    batchId: batch!.id,
    ruleSetId: ruleSet!.id,
    year: target!.year,
  }

  const version = async (table: string, id: number) => (await q<{ v: number }>(`SELECT version AS v FROM ${table} WHERE id = $1`, [id]))[0]?.v ?? 1
  ctx.versions = {
    case: await version('cases', ctx.foreign.caseId), detection: await version('detections', ctx.foreign.detectionId),
    zone: await version('zones', ctx.foreign.zoneId), batch: 1,
  }
  const codes = await q<{ code: string }>(`SELECT code FROM admin_units WHERE length(code) > 6`)
  foreignCodes = new Set(codes.map((r) => r.code).filter((c) => c !== home && c !== home.slice(0, 9)))
  foreignNumbers = [
    ...(await q<{ n: string }>(`SELECT case_no AS n FROM cases WHERE admin_code <> $1`, [home])).map((r) => r.n),
    ...(await q<{ n: string }>(`SELECT patch_no AS n FROM detections WHERE admin_code <> $1`, [home])).map((r) => r.n),
  ]
  for (const layer of LAYERS) {
    if (!layer.scopeColumn) continue
    const rows = await q<{ k: string }>(`SELECT ${layer.key}::text AS k FROM ${layer.table} WHERE starts_with(${layer.scopeColumn}, $1)`, [home])
    ownKeys.set(layer.id, new Set(rows.map((r) => r.k)))
  }
})
afterAll(() => t?.close())

// ---- what each route is asked ----

const get = (url: string, expect: Call['expect'] = 'own'): Call => ({ url, expect })
const send = (method: Method, url: string, payload?: unknown, expect: Call['expect'] = 'refused', version = 1): Call => ({
  method, url, payload, expect, headers: { 'if-match': `"v${version}"` },
})
const upload = (url: string, fileName: string, bytes: Buffer, fields: Record<string, string> = {}): Call => {
  const m = multipartBody(fields, { name: fileName, bytes })
  return { method: 'POST', url, payload: m.payload, headers: m.headers, expect: 'any4xx', namesPlace: true }
}
const farGeoJson = (c: Ctx) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { 名称: '外村' }, geometry: square(c.foreign.lon, c.foreign.lat) }] }))
const ledgerCsv = (c: Ctx) => Buffer.from(`用途,发现来源,发现时间,经度,纬度\n居住,巡查,2026-05-01,${c.foreign.lon},${c.foreign.lat}\n`)

const scopedCollections = () => LAYERS.filter((l) => l.scopeColumn).map((l) => l.id)
const allCollections = () => LAYERS.map((l) => l.id)
const tiles = (c: Ctx, collectionId: string) =>
  [tileAt(c.foreign.lon, c.foreign.lat, 14), tileAt(c.foreign.lon, c.foreign.lat, 10), tileAt(c.home.lon, c.home.lat, 8)].map(({ z, x, y }) =>
    get(`/ogc/collections/${collectionId}/tiles/WebMercatorQuad/${z}/${y}/${x}`),
  )

const PROBES: Record<string, Probe> = {
  'GET /health': () => [get('/health')],
  'POST /api/auth/login': () => [], // signing in has no scope; tests/api/auth.test.ts and security.test.ts
  'POST /api/auth/logout': () => [],
  // the public's pages answer the same to anyone, signed in or not; what they may show is walked in
  // tests/api/public-privacy.test.ts
  'GET /api/public/report-rules': () => [],
  'GET /api/public/captcha': () => [],
  'POST /api/public/reports': () => [],
  'GET /api/public/reports/{code}': () => [],
  'POST /api/public/reports/{code}/info': () => [],
  'GET /api/public/reports/{code}/photos/{photoId}': () => [],
  'GET /api/public/disclosure': () => [],
  'GET /api/public/tiles/{layer}/{z}/{x}/{y}': () => [],
  'GET /api/open311/v2/services.json': () => [],
  'GET /api/open311/v2/requests.json': () => [],
  'GET /api/open311/v2/requests/{id}.json': () => [],
  'POST /api/open311/v2/requests.json': () => [],
  // the staff's triage of reports
  'GET /api/reports': (c) => [get('/api/reports?status=all'), get(`/api/reports?adminCode=${c.foreign.code}`, 'refused')],
  'GET /api/reports/{id}': (c) => [get(`/api/reports/${c.foreign.reportId}`, 'refused')],
  'POST /api/reports/{id}/triage': (c) => [send('POST', `/api/reports/${c.foreign.reportId}/triage`, { action: 'reject', publicNote: '越权' })],
  'GET /api/reports/{id}/photos/{photoId}': (c) => [get(`/api/reports/${c.foreign.reportId}/photos/${c.foreign.reportPhotoId}`, 'refused')],
  'GET /api/disclosure/settings': () => [get('/api/disclosure/settings')],
  // 自建房排查
  'GET /api/surveys': (c) => [get('/api/surveys'), get(`/api/surveys?adminCode=${c.foreign.code}`, 'refused')],
  'POST /api/surveys': (c) => [
    send('POST', '/api/surveys', { buildingId: c.foreign.buildingId, addressText: null, ownerType: 'other', floors: 1, structure: 'other', builtYear: null, use: 'residential', businessKind: null, rented: false, residents: 0, workers: 0, businessLicence: null, appraisal: 'none', appraisalGrade: null, hazard: 'none' }),
    { ...send('POST', '/api/surveys', { point: [c.foreign.lon, c.foreign.lat], addressText: null, ownerType: 'other', floors: 1, structure: 'other', builtYear: null, use: 'residential', businessKind: null, rented: false, residents: 0, workers: 0, businessLicence: null, appraisal: 'none', appraisalGrade: null, hazard: 'none' }), namesPlace: true },
  ],
  'GET /api/surveys/worklist': (c) => [get('/api/surveys/worklist?limit=2000'), get(`/api/surveys/worklist?adminCode=${c.foreign.code}`, 'refused')],
  'GET /api/surveys/statistics': (c) => [get('/api/surveys/statistics?by=village'), get(`/api/surveys/statistics?adminCode=${c.foreign.code}`, 'refused')],
  'GET /api/surveys/template.xlsx': () => [get('/api/surveys/template.xlsx')],
  'GET /api/surveys/export.xlsx': (c) => [get('/api/surveys/export.xlsx'), get(`/api/surveys/export.xlsx?adminCode=${c.foreign.code}`, 'refused')],
  // the district's workbook, read by a village user: the far files are problems (not in your area), nothing written
  'POST /api/surveys/import': (c) => [{ ...upload('/api/surveys/import', 'far.xlsx', c.foreign.surveyWorkbook), expect: 'read' }],
  'GET /api/surveys/{id}': (c) => [get(`/api/surveys/${c.foreign.surveyId}`, 'refused')],
  'PATCH /api/surveys/{id}': (c) => [send('PATCH', `/api/surveys/${c.foreign.surveyId}`, { residents: 1 })],
  'POST /api/surveys/{id}/measures': (c) => [send('POST', `/api/surveys/${c.foreign.surveyId}/measures`, { kind: 'repair', deadline: '2027-01-01' })],
  'POST /api/surveys/{id}/measures/{measureId}/done': (c) => [send('POST', `/api/surveys/${c.foreign.surveyId}/measures/${c.foreign.measureId}/done`, undefined, 'refused', 2)],
  'POST /api/surveys/{id}/resolve': (c) => [send('POST', `/api/surveys/${c.foreign.surveyId}/resolve`, undefined, 'refused', 2)],
  'POST /api/surveys/{id}/case': (c) => [send('POST', `/api/surveys/${c.foreign.surveyId}/case`, { use: 'other' }, 'refused', 2)],
  'GET /api/surveys/{id}/history': (c) => [get(`/api/surveys/${c.foreign.surveyId}/history`, 'refused')],
  'POST /api/surveys/{id}/attachments': (c) => [{ ...upload(`/api/surveys/${c.foreign.surveyId}/attachments`, 'p.jpg', phonePhoto(c.foreign.lon, c.foreign.lat)), expect: 'refused' }],
  'GET /api/surveys/{id}/attachments': (c) => [get(`/api/surveys/${c.foreign.surveyId}/attachments`, 'refused')],
  'PUT /api/disclosure/settings': () => [send('PUT', '/api/disclosure/settings', { stages: [], locationGridM: 200, officeName: '', noticeNote: '' })],
  'GET /api/auth/me': () => [get('/api/auth/me')],
  'GET /api/meta': () => [get('/api/meta')],
  'GET /ogc': () => [get('/ogc')],
  'GET /ogc/conformance': () => [get('/ogc/conformance')],
  'GET /ogc/collections': () => [get('/ogc/collections')],
  'GET /ogc/collections/{collectionId}': () => allCollections().map((id) => get(`/ogc/collections/${id}`)),
  'GET /ogc/collections/{collectionId}/queryables': () => allCollections().map((id) => get(`/ogc/collections/${id}/queryables`)),
  'GET /ogc/collections/{collectionId}/items': (c) =>
    allCollections().flatMap((id) => [
      get(`/ogc/collections/${id}/items?limit=10000`),
      get(`/ogc/collections/${id}/items?bbox=${c.foreign.lon - 0.01},${c.foreign.lat - 0.01},${c.foreign.lon + 0.01},${c.foreign.lat + 0.01}`),
    ]),
  'GET /ogc/collections/{collectionId}/items/{featureId}': (c) => [
    get(`/ogc/collections/cases/items/${c.foreign.caseId}`, 'refused'),
    get(`/ogc/collections/detections/items/${c.foreign.detectionId}`, 'refused'),
    get(`/ogc/collections/zones/items/${c.foreign.zoneId}`, 'refused'),
    get(`/ogc/collections/admin-units/items/${c.foreign.code}`, 'refused'),
    get(`/ogc/collections/cases/items/${c.home.caseId}`),
  ],
  'GET /api/search': (c) => [get(`/api/search?q=${encodeURIComponent(c.foreign.code)}`), get(`/api/search?q=${c.foreign.code.slice(0, 9)}`)],
  'GET /api/cases': (c) => [get('/api/cases?limit=500'), get(`/api/cases?admin=${c.foreign.code}`, 'refused')],
  'POST /api/cases': (c) => [{ ...send('POST', '/api/cases', { geometry: { type: 'Point', coordinates: [c.foreign.lon, c.foreign.lat] }, use: 'residential', source: 'patrol', foundAt: '2026-05-01T08:00:00+08:00' }, 'any4xx'), namesPlace: true }],
  // binary columns (domain/case-points.ts); tests/api/case-points.test.ts compares them with the home scope's rows
  'GET /api/cases/points': () => [get('/api/cases/points')],
  'GET /api/buildings/grades': (c) => [{ ...get(`/api/buildings/grades?bbox=${c.foreign.lon - 0.01},${c.foreign.lat - 0.01},${c.foreign.lon + 0.01},${c.foreign.lat + 0.01}`), check: (b) => assert.deepEqual((b as { ids: number[] }).ids.filter((id) => !ownKeys.get('buildings')!.has(String(id))), []) }],
  'GET /api/cases/{id}': (c) => [get(`/api/cases/${c.foreign.caseId}`, 'refused'), get(`/api/cases/${c.home.caseId}`)],
  'PATCH /api/cases/{id}': (c) => [send('PATCH', `/api/cases/${c.foreign.caseId}`, { locationText: '改' }, 'refused', c.versions.case)],
  'POST /api/cases/{id}/transitions': (c) => [send('POST', `/api/cases/${c.foreign.caseId}/transitions`, { action: 'notify', at: '2026-06-01T08:00:00+08:00' }, 'refused', c.versions.case)],
  'POST /api/cases/{id}/inspections': (c) => [send('POST', `/api/cases/${c.foreign.caseId}/inspections`, { at: '2026-06-01T08:00:00+08:00', result: 'clean' })],
  'GET /api/cases/{id}/history': (c) => [get(`/api/cases/${c.foreign.caseId}/history`, 'refused')],
  'POST /api/ledger/import': (c) => [upload('/api/ledger/import', 'far.csv', ledgerCsv(c))],
  'GET /api/ledger/export.xlsx': (c) => [get(`/api/ledger/export.xlsx?village=${c.home.code}`), get(`/api/ledger/export.xlsx?village=${c.foreign.code}`, 'refused')],
  'GET /api/ledger/export.csv': (c) => [get('/api/ledger/export.csv'), get(`/api/ledger/export.csv?admin=${c.foreign.code}`, 'refused')],
  'GET /api/ledger/export.geojson': (c) => [get('/api/ledger/export.geojson'), get(`/api/ledger/export.geojson?admin=${c.foreign.code}`, 'refused')],
  'GET /api/ledger/export.gpkg': (c) => [get('/api/ledger/export.gpkg'), get(`/api/ledger/export.gpkg?admin=${c.foreign.code}`, 'refused')],
  'GET /api/ledger/template.xlsx': () => [get('/api/ledger/template.xlsx')],
  'POST /api/cases/{id}/attachments': (c) => [{ ...upload(`/api/cases/${c.foreign.caseId}/attachments`, 'p.jpg', phonePhoto(c.foreign.lon, c.foreign.lat)), expect: 'refused' }],
  'GET /api/cases/{id}/attachments': (c) => [get(`/api/cases/${c.foreign.caseId}/attachments`, 'refused')],
  'POST /api/detections/{id}/attachments': (c) => [{ ...upload(`/api/detections/${c.foreign.detectionId}/attachments`, 'p.jpg', phonePhoto(c.foreign.lon, c.foreign.lat)), expect: 'refused' }],
  'GET /api/detections/{id}/attachments': (c) => [get(`/api/detections/${c.foreign.detectionId}/attachments`, 'refused')],
  'GET /api/attachments/{id}/content': (c) => [get(`/api/attachments/${c.foreign.attachmentId}/content`, 'refused')],
  'GET /ogc/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}': (c) => scopedCollections().flatMap((id) => tiles(c, id)),
  'GET /ogc/collections/{collectionId}/tiles': () => allCollections().map((id) => get(`/ogc/collections/${id}/tiles`)),
  'GET /ogc/collections/{collectionId}/tiles/WebMercatorQuad': () => allCollections().map((id) => get(`/ogc/collections/${id}/tiles/WebMercatorQuad`)),
  'GET /ogc/collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json': () => allCollections().map((id) => get(`/ogc/collections/${id}/tiles/WebMercatorQuad/tilejson.json`)),
  'GET /ogc/tileMatrixSets': () => [get('/ogc/tileMatrixSets')],
  'GET /ogc/tileMatrixSets/WebMercatorQuad': () => [get('/ogc/tileMatrixSets/WebMercatorQuad')],
  'GET /api/zones': (c) => [get('/api/zones'), get(`/api/zones?admin=${c.foreign.code}`, 'refused')],
  'POST /api/zones': (c) => [{ ...send('POST', '/api/zones', { name: '越界片区', zoneType: 'key_village', geometry: square(c.foreign.lon, c.foreign.lat) }, 'any4xx'), namesPlace: true }],
  'POST /api/zones/import': (c) => [upload('/api/zones/import', 'far.geojson', farGeoJson(c), { name: '越界', zoneType: 'key_village' })],
  'GET /api/zones/{id}': (c) => [get(`/api/zones/${c.foreign.zoneId}`, 'refused')],
  'PATCH /api/zones/{id}': (c) => [send('PATCH', `/api/zones/${c.foreign.zoneId}`, { name: '改名' }, 'refused', c.versions.zone)],
  'DELETE /api/zones/{id}': (c) => [send('DELETE', `/api/zones/${c.foreign.zoneId}`, undefined, 'refused', c.versions.zone)],
  'GET /api/zones/{id}/history': (c) => [get(`/api/zones/${c.foreign.zoneId}/history`, 'refused')],
  'GET /api/zones/{id}/statistics': (c) => [get(`/api/zones/${c.foreign.zoneId}/statistics`, 'refused')],
  'GET /api/buffer-rule-sets': () => [get('/api/buffer-rule-sets')],
  'POST /api/buffer-rule-sets': () => [send('POST', '/api/buffer-rule-sets', { name: '村级规则', rules: { roads: { national: 50 } } }, 'any4xx')],
  'POST /api/buffer-rule-sets/{id}/activate': (c) => [send('POST', `/api/buffer-rule-sets/${c.ruleSetId}/activate`)],
  'GET /api/buffer-zones': () => [get('/api/buffer-zones')],
  'GET /api/buffer-zones/memberships': (c) => [get(`/api/buffer-zones/memberships?case=${c.foreign.caseId}`, 'refused'), get(`/api/buffer-zones/memberships?detection=${c.foreign.detectionId}`, 'refused')],
  'GET /api/statistics': (c) => [
    get('/api/statistics?groupBy=village'), get('/api/statistics?groupBy=town'), get('/api/statistics?groupBy=use'),
    get(`/api/statistics?groupBy=village&admin=${c.foreign.code}`, 'refused'),
  ],
  'POST /api/statistics/area': (c) => [{ ...send('POST', '/api/statistics/area', { geometry: square(c.foreign.lon, c.foreign.lat, 0.01) }, 'own'), headers: {} }],
  'GET /api/key-villages': () => [get('/api/key-villages')],
  'GET /api/targets': (c) => [get(`/api/targets?year=${c.year}`, 'read'), get(`/api/targets?year=${c.year}&admin=${c.foreign.code}`, 'refused')],
  'GET /api/targets/burndown': (c) => [get(`/api/targets/burndown?year=${c.year}&admin=${c.foreign.code.slice(0, 9)}`, 'refused')],
  'GET /api/targets/{adminCode}/{year}': (c) => [get(`/api/targets/${c.foreign.code.slice(0, 9)}/${c.year}`, 'refused')],
  'PUT /api/targets/{adminCode}/{year}': (c) => [send('PUT', `/api/targets/${c.foreign.code.slice(0, 9)}/${c.year}`, { demolishedArea: 1 })],
  'GET /api/targets/{adminCode}/{year}/history': (c) => [get(`/api/targets/${c.foreign.code.slice(0, 9)}/${c.year}/history`, 'refused')],
  'GET /api/detections': (c) => [get('/api/detections?limit=500'), get(`/api/detections?admin=${c.foreign.code}`, 'refused')],
  'GET /api/detections/{id}': (c) => [get(`/api/detections/${c.foreign.detectionId}`, 'refused'), get(`/api/detections/${c.home.detectionId}`)],
  'POST /api/detections/{id}/actions': (c) => [send('POST', `/api/detections/${c.foreign.detectionId}/actions`, { action: 'reopen', reason: '复核' }, 'refused', c.versions.detection)],
  'POST /api/detections/{id}/screen': (c) => [send('POST', `/api/detections/${c.foreign.detectionId}/screen`)],
  'GET /api/detections/{id}/history': (c) => [get(`/api/detections/${c.foreign.detectionId}/history`, 'refused')],
  'GET /api/detections/{id}/assignees': (c) => [get(`/api/detections/${c.foreign.detectionId}/assignees`, 'refused')],
  // staging a file is allowed; its foreign patch is staged as outside_scope, and nothing reaches detections
  'POST /api/detection-imports': (c) => [{ ...upload('/api/detection-imports', 'far.geojson', farGeoJson(c)), expect: 'read' }],
  'GET /api/detection-imports/{id}': (c) => [get(`/api/detection-imports/${c.foreign.importId}`, 'refused')],
  'PATCH /api/detection-imports/{id}': (c) => [send('PATCH', `/api/detection-imports/${c.foreign.importId}`, { repair: true })],
  'DELETE /api/detection-imports/{id}': (c) => [send('DELETE', `/api/detection-imports/${c.foreign.importId}`)],
  'GET /api/detection-imports/{id}/preview': (c) => [get(`/api/detection-imports/${c.foreign.importId}/preview`, 'refused')],
  'POST /api/detection-imports/{id}/commit': (c) => [send('POST', `/api/detection-imports/${c.foreign.importId}/commit`, { batch: { name: '越界批次', issuer: 'district', beforeDate: '2026-01-01', afterDate: '2026-06-01' } })],
  // reference-layer onboarding: admins only; another's import is 404; roads belong to the district (403 for a village admin)
  'GET /api/detection-batches': () => [get('/api/detection-batches')],
  'GET /api/detection-batches/{id}': (c) => [get(`/api/detection-batches/${c.batchId}`)],
  'PATCH /api/detection-batches/{id}': (c) => [send('PATCH', `/api/detection-batches/${c.batchId}`, { name: '改名批次', reason: '越权' })],
  'POST /api/detection-batches/{id}/screen': (c) => [send('POST', `/api/detection-batches/${c.batchId}/screen`)],
  'GET /api/detection-batches/{id}/dashboard': (c) => [get(`/api/detection-batches/${c.batchId}/dashboard`)],
  'GET /api/detection-batches/{id}/export': (c) => [get(`/api/detection-batches/${c.batchId}/export?format=geojson`), get(`/api/detection-batches/${c.batchId}/export?format=xlsx`)],
  'GET /api/ledger/imports/{id}': () => [get('/api/ledger/imports/00000000-0000-4000-8000-000000000000', 'refused')],
  // roads belong to the district (403 for a village admin); buildings elsewhere are staged as problems, never written
  'POST /api/layer-imports': (c) => [
    upload('/api/layer-imports', 'far.geojson', farGeoJson(c), { layer: 'roads' }),
    { ...upload('/api/layer-imports', 'far.geojson', farGeoJson(c), { layer: 'buildings' }), expect: 'read' },
  ],
  'GET /api/layer-imports/{id}': (c) => [get(`/api/layer-imports/${c.foreign.layerImportId}`, 'refused')],
  'PATCH /api/layer-imports/{id}': (c) => [send('PATCH', `/api/layer-imports/${c.foreign.layerImportId}`, { encoding: 'GBK' })],
  'DELETE /api/layer-imports/{id}': (c) => [send('DELETE', `/api/layer-imports/${c.foreign.layerImportId}`)],
  'GET /api/layer-imports/{id}/features': (c) => [get(`/api/layer-imports/${c.foreign.layerImportId}/features`, 'refused')],
  'POST /api/layer-imports/{id}/commit': (c) => [send('POST', `/api/layer-imports/${c.foreign.layerImportId}/commit`, { mode: 'append' })],
  // admins only: a viewer's 403 is 'read'
  'GET /api/layer-loads': () => [get('/api/layer-loads', 'read')],
  'GET /api/layer-mapping-presets': () => [get('/api/layer-mapping-presets', 'read')],
  // presets are named mappings of file fields, no rows of any village
  'POST /api/layer-mapping-presets': () => [
    { ...send('POST', '/api/layer-mapping-presets', { layer: 'waters', name: '村级水系', mapping: { name: 'MC' } }, 'own'), headers: {} },
    { ...send('POST', '/api/layer-mapping-presets', { layer: 'parcels', name: '', mapping: {} }, 'any4xx'), headers: {} },
  ],
  'GET /api/onboarding/status': (c) => [{
    ...get('/api/onboarding/status'),
    check: (body) => {
      const b = body as { cases: number; casesPendingLocation: number }
      assert.deepEqual([b.cases, b.casesPendingLocation], [c.homeCases.cases, c.homeCases.pending], 'case counts of the home village only')
    },
  }],
  'GET /api/teams': () => [get('/api/teams')],
  'POST /api/teams': (c) => [{ ...send('POST', '/api/teams', { name: '越界组', kind: 'grid', adminCode: c.foreign.code, memberIds: [] }, 'any4xx'), namesPlace: true }],
  'GET /api/teams/{id}': (c) => [get(`/api/teams/${c.foreign.teamId}`, 'refused')],
  'PATCH /api/teams/{id}': (c) => [send('PATCH', `/api/teams/${c.foreign.teamId}`, { name: '改名' })],
  // dispatchers only: a viewer's 403 is 'read'
  'GET /api/field-workers': (c) => [get(`/api/field-workers?admin=${c.home.code}`, 'read'), get(`/api/field-workers?admin=${c.foreign.code}`, 'refused')],
  'GET /api/assignments': (c) => [get('/api/assignments'), get(`/api/assignments?admin=${c.foreign.code}`, 'refused')],
  'POST /api/assignments': (c) => [
    send('POST', '/api/assignments', { cases: [c.foreign.caseId], teamId: c.foreign.teamId }, 'any4xx'),
    send('POST', '/api/assignments', { village: c.foreign.code, kinds: ['case'], teamId: c.foreign.teamId }),
  ],
  'GET /api/assignments/{id}': (c) => [get(`/api/assignments/${c.foreign.assignmentId}`, 'refused')],
  'PATCH /api/assignments/{id}': (c) => [send('PATCH', `/api/assignments/${c.foreign.assignmentId}`, { note: '越权' })],
  'GET /api/my/tasks': () => [get('/api/my/tasks')],
  // writers only: a viewer's 403 is 'read'; another user's upload does not exist
  'POST /api/uploads': () => [{ ...send('POST', '/api/uploads', { bytes: 10, fileName: 'a.jpg' }, 'read'), headers: {} }],
  'GET /api/uploads/{id}': (c) => [get(`/api/uploads/${c.foreign.uploadId}`, 'refused')],
  'PATCH /api/uploads/{id}': (c) => [{
    method: 'PATCH', url: `/api/uploads/${c.foreign.uploadId}`, payload: Buffer.from('0123456789'), expect: 'refused',
    headers: { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
  }],
  // drawn per request from the sample's synthetic imagery: pixels, no rows
  'GET /api/imagery/sample/{batchId}/{side}/{z}/{x}/{y}.png': (c) => {
    const { z, x, y } = tileAt(c.home.lon, c.home.lat, 14)
    return [get(`/api/imagery/sample/${c.batchId}/after/${z}/${x}/${y}.png`)]
  },
}

// ---- reading any answer for foreign rows ----

async function textsOf(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer; body: string }, url: string): Promise<string[]> {
  const type = String(res.headers['content-type'] ?? '')
  if (res.statusCode >= 300) return [res.body]
  if (type.includes('spreadsheetml')) {
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    const out: string[] = []
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text)))))
    return out
  }
  if (type.includes('geopackage') || url.includes('.gpkg')) {
    const SQL = await initSqlJs()
    const gpkg = new SQL.Database(res.rawPayload)
    const out: string[] = []
    const tables = gpkg.exec(`SELECT table_name FROM gpkg_contents`)[0]?.values.map((v) => String(v[0])) ?? []
    for (const table of tables) for (const r of gpkg.exec(`SELECT * FROM "${table}"`)[0]?.values ?? []) out.push(...r.filter((v) => typeof v === 'string' || typeof v === 'number').map(String))
    gpkg.close()
    return out
  }
  if (type.startsWith('image/')) return []
  return [res.body]
}

/** Foreign admin codes (whole 9- or 12-digit runs) and case or patch numbers in a text; `allowed` are echoes of the request. */
function foreignIn(text: string, allowed: Set<string>): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/(?<!\d)(\d{12}|\d{9})(?!\d)/g)) if (foreignCodes.has(m[1]!) && !allowed.has(m[1]!)) found.add(m[1]!)
  for (const n of foreignNumbers) if (text.includes(n)) found.add(n)
  return [...found].slice(0, 5)
}

/** Tile features of scoped layers: only home rows, and grid cells that count no more than home holds. */
function foreignTileFeatures(collectionId: string, body: Buffer): string[] {
  const own = ownKeys.get(collectionId)
  if (!own || body.length === 0) return []
  const layer = LAYERS.find((l) => l.id === collectionId)!
  const vt = new VectorTile(new PbfReader(body))
  const problems: string[] = []
  for (const l of Object.values(vt.layers)) {
    let counted = 0
    for (let i = 0; i < l.length; i++) {
      const props = l.feature(i).properties
      if (props.count !== undefined) counted += Number(props.count)
      else {
        const key = String(props[layer.key] ?? l.feature(i).id)
        if (!own.has(key)) problems.push(`${collectionId} feature ${key}`)
      }
    }
    if (counted > own.size) problems.push(`${collectionId}: grid cells count ${counted} rows, the home village has ${own.size}`)
  }
  return problems.slice(0, 5)
}

async function run(call: Call, cookie: string) {
  const res = await t.app.inject({ method: call.method ?? 'GET', url: call.url, headers: { cookie, ...call.headers }, ...(call.payload !== undefined ? { payload: call.payload as object } : {}) })
  const where = `${call.method ?? 'GET'} ${call.url}`
  if (call.expect === 'refused') assert.ok([403, 404].includes(res.statusCode), `${where}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  else if (call.expect === 'any4xx') assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${where}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  else if (call.expect === 'read') assert.ok(res.statusCode < 500, `${where}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  else assert.ok(res.statusCode < 400, `${where}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  const texts = await textsOf(res, call.url)
  // a code the caller sent (in the URL or the body) may be echoed in a refusal; so may the unit a
  // refused place lies in
  const sent = `${call.url} ${call.payload instanceof Buffer ? '' : JSON.stringify(call.payload ?? '')}`
  const allowed = new Set([...foreignCodes].filter((c) => sent.includes(c) || (call.namesPlace && (c === ctx.foreign.code || c === ctx.foreign.code.slice(0, 9)))))
  const leaks = texts.flatMap((text) => foreignIn(text, allowed))
  assert.deepEqual(leaks, [], `${where} answered rows of other villages: ${leaks.join(', ')}`)
  const tile = /^\/ogc\/collections\/([^/]+)\/tiles\/WebMercatorQuad\/\d+\/\d+\/\d+/.exec(call.url)
  if (tile && res.statusCode === 200) assert.deepEqual(foreignTileFeatures(tile[1]!, res.rawPayload), [], where)
  call.check?.(res.json())
  return res
}

/** What a refused write could have changed: the foreign records' versions and history. */
async function foreignState() {
  const q = async (sql: string, p: unknown[]) => JSON.stringify((await t.db.query(sql, p)).rows)
  const f = ctx.foreign
  return [
    await q(`SELECT version, status, location_text FROM cases WHERE id = $1`, [f.caseId]),
    await q(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1`, [f.caseId]),
    await q(`SELECT version, status FROM detections WHERE id = $1`, [f.detectionId]),
    await q(`SELECT count(*)::int AS n FROM detection_history WHERE detection_id = $1`, [f.detectionId]),
    await q(`SELECT version, name FROM zones WHERE id = $1`, [f.zoneId]),
    await q(`SELECT count(*)::int AS n FROM attachments`, []),
    await q(`SELECT count(*)::int AS n FROM cases`, []),
    await q(`SELECT count(*)::int AS n FROM detections`, []),
    await q(`SELECT count(*)::int AS n FROM buildings`, []),
    await q(`SELECT state FROM layer_imports WHERE id = $1`, [f.layerImportId]),
    await q(`SELECT count(*)::int AS n FROM zones`, []),
    await q(`SELECT name FROM detection_batches WHERE id = $1`, [ctx.batchId]),
    await q(`SELECT id, active FROM buffer_rule_sets ORDER BY id`, []),
    await q(`SELECT state FROM detection_imports WHERE id = $1`, [f.importId]),
    await q(`SELECT count(*)::int AS n FROM target_history`, []),
  ]
}

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`

test('every route of the OpenAPI document has a scope probe here', async () => {
  const doc = (await t.app.inject('/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> }
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => routeKey(m, path)))
  assert.ok(routes.length > 70, `${routes.length} routes`)
  const missing = routes.filter((r) => !(r in PROBES))
  assert.deepEqual(missing, [], 'routes without a scope probe: add one to PROBES')
  const stale = Object.keys(PROBES).filter((k) => !routes.includes(k))
  assert.deepEqual(stale, [], 'probes for routes that no longer exist')
})

test('a user of one village reads no row of another on any route, and gets 404/403 for its records', async () => {
  const before = await foreignState()
  let calls = 0
  for (const [route, probe] of Object.entries(PROBES)) {
    for (const call of probe(ctx)) {
      if ((call.method ?? 'GET') !== 'GET') continue
      await run(call, admin)
      if (call.expect !== 'refused') await run(call, viewer)
      calls++
    }
    assert.ok(route)
  }
  assert.ok(calls > 100, `${calls} calls`)
  assert.deepEqual(await foreignState(), before)
})

test('every write to another village is refused and changes nothing', async () => {
  const before = await foreignState()
  for (const probe of Object.values(PROBES)) {
    for (const call of probe(ctx)) if ((call.method ?? 'GET') !== 'GET') await run(call, admin)
  }
  assert.deepEqual(await foreignState(), before)
})

test('the probes are not vacuous: the home user sees the home village in lists, items and tiles', async () => {
  const list = await run(get('/api/cases?limit=500'), admin)
  assert.ok(list.body.includes(ctx.home.caseNo), 'the home case is listed')
  const item = await run(get(`/ogc/collections/cases/items/${ctx.home.caseId}`), admin)
  assert.equal(item.statusCode, 200)
  const { z, x, y } = tileAt(ctx.home.lon, ctx.home.lat, 10)
  const tile = await run(get(`/ogc/collections/cases/tiles/WebMercatorQuad/${z}/${y}/${x}`), admin)
  assert.equal(tile.statusCode, 200)
  // the same foreign record answers the district user: the 404s above are scope, not absence
  const far = await t.app.inject({ url: `/api/cases/${ctx.foreign.caseId}`, headers: { cookie: district } })
  assert.equal(far.statusCode, 200)
  const farZone = await t.app.inject({ url: `/api/zones/${ctx.foreign.zoneId}`, headers: { cookie: district } })
  assert.equal(farZone.statusCode, 200)
})
