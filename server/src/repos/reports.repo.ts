// Public reports (有奖举报): received without an account, looked up by receipt code, triaged by staff
// into the ledger. Every step is a row of report_history (全程留痕); the reporter's contact is read
// only here, and only for the staff who handle personal data (docs/public.md).
import { createHash, randomBytes } from 'node:crypto'
import type { Db, Queryable } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'
import { publicCaseStage, receiptCodeFrom, triageTarget, type ReportService, type ReportStatus } from '../domain/public-reports.ts'
import type { Scope } from '../domain/scope.ts'
import type { CaseStatus } from '../domain/case-lifecycle.ts'
import type { PublicReportStatus, ReportReceipt, StaffReport, StaffReportDetail, StaffReportList, TriageBody } from '../schemas/public.schema.ts'
import { getCase, insertCase, villageOf } from './cases.repo.ts'
import { inScope, inUnit } from './scope.sql.ts'
import { refuseStaleWrite } from './stale-version.ts'
import { disclosureGridM, generalisedPointSql } from './disclosure.repo.ts'

/** Reports of one place: open reports within this many metres of each other form a group. */
export const DUPLICATE_RADIUS_M = 50
/** A case of the ledger this close to a report is suggested to the staff. */
export const NEARBY_CASE_RADIUS_M = 100

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
export const receiptHash = (code: string) => sha256(`chaiwei-receipt:${code}`)

export interface StoredPhoto {
  storageKey: string
  bytes: number
  width: number
  height: number
}

export interface NewReport {
  serviceCode: ReportService
  description: string
  lon: number
  lat: number
  locationSource: 'map' | 'gps'
  contactName: string | null
  contactPhone: string | null
  addressHash: string
  via: 'web' | 'open311'
  photos: StoredPhoto[]
}

/** Reports sent from this address since `since`: the CAPTCHA rule counts them. */
export async function reportsFromAddress(db: Queryable, addressHash: string, since: Date): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reports WHERE address_hash = $1 AND submitted_at >= $2`, [addressHash, since.toISOString()])
  return r.rows[0]!.n
}

export class OutsideDistrict extends Refusal {
  constructor() {
    super('unprocessable', 'the place lies outside the district this office covers', { code: 'outside_district', zh: '该位置不在本辖区范围内，请在地图上重新选择', field: 'lon' })
  }
}

export async function createReport(db: Db, input: NewReport): Promise<ReportReceipt> {
  const point = JSON.stringify({ type: 'Point', coordinates: [input.lon, input.lat] })
  const village = await villageOf(db, point)
  if (!village) throw new OutsideDistrict()
  const receiptCode = receiptCodeFrom(randomBytes(8))
  const row = await db.transaction(async (tx) => {
    const r = await tx.query<{ id: number; submitted_at: string; village_name: string }>(
      `INSERT INTO reports (service_code, description, admin_code, location_source, contact_name, contact_phone, receipt_hash, address_hash, via, geom)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ST_SetSRID(ST_MakePoint($10, $11), 4326))
       RETURNING id, ${iso('submitted_at')} AS submitted_at, (SELECT name FROM admin_units WHERE code = $3) AS village_name`,
      [input.serviceCode, input.description, village, input.locationSource, input.contactName, input.contactPhone, receiptHash(receiptCode),
        input.addressHash, input.via, input.lon, input.lat],
    )
    const id = r.rows[0]!.id
    await addPhotos(tx, id, input.photos)
    await tx.query(`INSERT INTO report_history (report_id, action, to_status, after) VALUES ($1, 'submit', 'submitted', $2)`, [
      id, JSON.stringify({ serviceCode: input.serviceCode, photos: input.photos.length, via: input.via }),
    ])
    return r.rows[0]!
  })
  return { id: row.id, receiptCode, status: 'submitted', submittedAt: row.submitted_at, villageName: row.village_name }
}

async function addPhotos(tx: Queryable, reportId: number, photos: StoredPhoto[]): Promise<void> {
  for (const p of photos) {
    await tx.query(`INSERT INTO report_photos (report_id, storage_key, bytes, width, height) VALUES ($1, $2, $3, $4, $5)`, [reportId, p.storageKey, p.bytes, p.width, p.height])
  }
}

/** The report a receipt code opens, as its reporter sees it; null for a code we never gave. */
export async function publicReportStatus(db: Queryable, code: string): Promise<PublicReportStatus | null> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT r.id, r.status, r.service_code, r.description, a.name AS village_name, ${iso('r.submitted_at')} AS submitted_at,
            ${iso('r.updated_at')} AS updated_at, r.reward, c.case_no, c.status AS case_status,
            coalesce((SELECT json_agg(p.id ORDER BY p.id) FROM report_photos p WHERE p.report_id = r.id), '[]') AS photo_ids,
            coalesce((SELECT json_agg(json_build_object('at', ${iso('h.at')}, 'action', h.action, 'status', h.to_status, 'note', h.public_note) ORDER BY h.at, h.id)
                      FROM report_history h WHERE h.report_id = r.id AND h.action NOT LIKE 'refused:%' AND h.action <> 'reward'), '[]') AS steps
     FROM reports r JOIN admin_units a ON a.code = r.admin_code LEFT JOIN cases c ON c.id = r.case_id
     WHERE r.receipt_hash = $1`,
    [receiptHash(code)],
  )
  const row = r.rows[0]
  if (!row) return null
  return {
    id: row.id as number,
    status: row.status as ReportStatus,
    serviceCode: row.service_code as ReportService,
    description: row.description as string,
    villageName: row.village_name as string,
    submittedAt: row.submitted_at as string,
    updatedAt: row.updated_at as string,
    photos: (row.photo_ids as number[]).map((id) => ({ id, url: `/api/public/reports/${code}/photos/${id}` })),
    steps: row.steps as PublicReportStatus['steps'],
    caseStage: row.case_status ? publicCaseStage(row.case_status as CaseStatus) : null,
    caseNo: (row.case_no as string | null) ?? null,
    reward: (row.reward as 'eligible' | 'not_eligible' | null) ?? null,
    canAddInfo: row.status === 'more_info',
  }
}

/** The reporter answers the office's request for more: text and photos; the report goes back to the queue. */
export async function addReportInfo(db: Db, code: string, text: string, photos: StoredPhoto[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ id: number; status: string }>(`SELECT id, status FROM reports WHERE receipt_hash = $1 FOR UPDATE`, [receiptHash(code)])
    const row = r.rows[0]
    if (!row) return false
    if (row.status !== 'more_info') {
      throw new Refusal('conflict', 'the office has not asked for more about this report', { code: 'no_info_asked', zh: '办理单位未要求补充材料，无需补充' })
    }
    await addPhotos(tx, row.id, photos)
    await tx.query(`UPDATE reports SET status = 'submitted', version = version + 1, updated_at = now() WHERE id = $1`, [row.id])
    await tx.query(
      `INSERT INTO report_history (report_id, action, from_status, to_status, public_note, after) VALUES ($1, 'add_info', 'more_info', 'submitted', $2, $3)`,
      [row.id, text, JSON.stringify({ photos: photos.length })],
    )
    return true
  })
}

/** A stored photo of the report a receipt code opens. */
export async function publicReportPhoto(db: Queryable, code: string, photoId: number): Promise<string | null> {
  const r = await db.query<{ storage_key: string }>(
    `SELECT p.storage_key FROM report_photos p JOIN reports r ON r.id = p.report_id WHERE r.receipt_hash = $1 AND p.id = $2`,
    [receiptHash(code), photoId],
  )
  return r.rows[0]?.storage_key ?? null
}

// ---- the staff's side ----

export interface ReportFilter {
  scope: Scope
  status: 'open' | 'all' | ReportStatus
  adminCode?: string
  limit: number
}

const STAFF_COLUMNS = `
  r.id, r.status, r.service_code, r.description, r.admin_code, v.name AS village_name, coalesce(t.name, '') AS town_name,
  ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, r.location_source, r.via, ${iso('r.submitted_at')} AS submitted_at, ${iso('r.updated_at')} AS updated_at,
  (SELECT count(*)::int FROM report_photos p WHERE p.report_id = r.id) AS photo_count,
  r.case_id, c.case_no, r.reward, r.reward_reason, r.version,
  coalesce((SELECT json_agg(json_build_object('id', n.id, 'caseNo', n.case_no, 'status', n.status, 'distanceM', round(n.d::numeric, 1)) ORDER BY n.d)
            FROM (SELECT nc.id, nc.case_no, nc.status, ST_Distance(nc.geom::geography, r.geom::geography) AS d FROM cases nc
                  WHERE ST_DWithin(nc.geom::geography, r.geom::geography, ${NEARBY_CASE_RADIUS_M})
                  ORDER BY d LIMIT 3) n), '[]') AS nearby_cases`
const STAFF_FROM = `reports r JOIN admin_units v ON v.code = r.admin_code LEFT JOIN admin_units t ON t.code = v.parent_code LEFT JOIN cases c ON c.id = r.case_id`

function staffReport(row: Record<string, unknown>, groupId: number, groupSize: number): StaffReport {
  return {
    id: row.id as number,
    status: row.status as ReportStatus,
    serviceCode: row.service_code as ReportService,
    description: row.description as string,
    adminCode: row.admin_code as string,
    villageName: row.village_name as string,
    townName: row.town_name as string,
    lon: row.lon as number,
    lat: row.lat as number,
    locationSource: row.location_source as 'map' | 'gps',
    via: row.via as 'web' | 'open311',
    submittedAt: row.submitted_at as string,
    updatedAt: row.updated_at as string,
    photoCount: row.photo_count as number,
    groupId,
    groupSize,
    nearbyCases: (row.nearby_cases as StaffReport['nearbyCases']).map((n) => ({ ...n, distanceM: Number(n.distanceM) })),
    caseId: (row.case_id as number | null) ?? null,
    caseNo: (row.case_no as string | null) ?? null,
    reward: (row.reward as StaffReport['reward']) ?? null,
    rewardReason: (row.reward_reason as string | null) ?? null,
    version: row.version as number,
  }
}

/**
 * The triage queue, oldest first. Reports of one place are grouped: DBSCAN over the listed reports
 * in Web Mercator, whose metres are stretched by 1/cos(latitude), so the radius is scaled by the
 * same factor at the reports' mean latitude (a district spans a fraction of a degree).
 */
export async function listReports(db: Queryable, f: ReportFilter): Promise<StaffReportList> {
  const params: unknown[] = [f.scope]
  const where = [inScope('r.admin_code', '$1')]
  if (f.status === 'open') where.push(`r.status IN ('submitted', 'more_info')`)
  else if (f.status !== 'all') where.push(`r.status = $${params.push(f.status)}`)
  if (f.adminCode) where.push(inUnit('r.admin_code', `$${params.push(f.adminCode)}`))
  const limit = params.push(f.limit)
  const r = await db.query<Record<string, unknown> & { total: number; cluster: number | null }>(
    `WITH picked AS (SELECT r.id, r.geom, r.submitted_at FROM reports r WHERE ${where.join(' AND ')}),
          mean AS (SELECT coalesce(avg(ST_Y(geom)), 0) AS lat FROM picked),
          clustered AS (
            SELECT p.id, p.submitted_at, ST_ClusterDBSCAN(ST_Transform(p.geom, 3857), eps := ${DUPLICATE_RADIUS_M} / cos(radians((SELECT lat FROM mean))), minpoints := 1) OVER () AS cluster
            FROM picked p)
     SELECT ${STAFF_COLUMNS}, cl.cluster, count(*) OVER ()::int AS total,
            min(r.id) OVER (PARTITION BY cl.cluster) AS group_id, count(*) OVER (PARTITION BY cl.cluster)::int AS group_size
     FROM clustered cl JOIN ${STAFF_FROM} ON r.id = cl.id
     ORDER BY min(r.submitted_at) OVER (PARTITION BY cl.cluster), cl.cluster, r.submitted_at, r.id
     LIMIT $${limit}`,
    params,
  )
  return {
    items: r.rows.map((row) => staffReport(row, row.group_id as number, row.group_size as number)),
    total: r.rows[0]?.total ?? 0,
  }
}

export async function getReport(db: Queryable, id: number, scope: Scope, withContact: boolean): Promise<StaffReportDetail | null> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT ${STAFF_COLUMNS}, r.contact_name, r.contact_phone,
            coalesce((SELECT json_agg(json_build_object('id', d.id, 'status', d.status, 'distanceM', round(ST_Distance(d.geom::geography, r.geom::geography)::numeric, 1), 'version', d.version,
                                                        'caseId', d.case_id, 'caseNo', dc.case_no) ORDER BY d.submitted_at, d.id)
                      FROM reports d LEFT JOIN cases dc ON dc.id = d.case_id WHERE d.id <> r.id AND d.status <> 'rejected' AND ST_DWithin(d.geom::geography, r.geom::geography, ${DUPLICATE_RADIUS_M})), '[]') AS duplicates,
            coalesce((SELECT json_agg(json_build_object('id', p.id, 'width', p.width, 'height', p.height) ORDER BY p.id) FROM report_photos p WHERE p.report_id = r.id), '[]') AS photos,
            coalesce((SELECT json_agg(json_build_object('id', h.id, 'at', ${iso('h.at')}, 'user', u.username, 'action', h.action, 'fromStatus', h.from_status,
                                                        'toStatus', h.to_status, 'publicNote', h.public_note, 'internalNote', h.internal_note) ORDER BY h.at, h.id)
                      FROM report_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.report_id = r.id), '[]') AS history
     FROM ${STAFF_FROM} WHERE r.id = $1 AND ${inScope('r.admin_code', '$2')}`,
    [id, scope],
  )
  const row = r.rows[0]
  if (!row) return null
  const duplicates = (row.duplicates as StaffReportDetail['duplicates']).map((d) => ({ ...d, distanceM: Number(d.distanceM) }))
  const openGroup = duplicates.filter((d) => d.status === 'submitted' || d.status === 'more_info')
  return {
    ...staffReport(row, Math.min(id, ...openGroup.map((d) => d.id)), openGroup.length + 1),
    ...(withContact ? { contact: { name: (row.contact_name as string | null) ?? null, phone: (row.contact_phone as string | null) ?? null } } : {}),
    photos: (row.photos as { id: number; width: number; height: number }[]).map((p) => ({ ...p, url: `/api/reports/${id}/photos/${p.id}` })),
    history: row.history as StaffReportDetail['history'],
    duplicates,
  }
}

export async function reportPhoto(db: Queryable, id: number, photoId: number, scope: Scope): Promise<string | null> {
  const r = await db.query<{ storage_key: string }>(
    `SELECT p.storage_key FROM report_photos p JOIN reports r ON r.id = p.report_id WHERE r.id = $1 AND p.id = $2 AND ${inScope('r.admin_code', '$3')}`,
    [id, photoId, scope],
  )
  return r.rows[0]?.storage_key ?? null
}

/** What the reporter reads when the officer writes nothing of their own. */
const DEFAULT_PUBLIC_NOTE: Partial<Record<TriageBody['action'], string>> = {
  accept: '您举报的问题经核实属于违法建设，已立案处理。',
  link: '您举报的问题已并入已有案件一并处理。',
}

/**
 * A triage step under If-Match: accept opens a case of the ledger (source 举报) at the report's
 * place, link attaches the report to a case; either decides the reward of every report of that
 * case. Reject and ask_more need words for the reporter.
 */
export async function triageReport(db: Db, id: number, scope: Scope, expectedVersion: number, body: TriageBody, userId: number, now = new Date()): Promise<StaffReportDetail | null> {
  const publicNote = body.publicNote?.trim() || DEFAULT_PUBLIC_NOTE[body.action] || null
  if (!publicNote) {
    throw new Refusal('invalid', `to ${body.action === 'reject' ? 'reject a report' : 'ask for more'} write what the reporter will read (publicNote)`, {
      code: 'public_note_required', field: 'publicNote', zh: body.action === 'reject' ? '不予受理须填写告知举报人的理由' : '要求补充须写明需要补充的内容',
    })
  }
  if (body.action === 'link' && !body.caseId) throw new Refusal('invalid', 'name the case to link the report to (caseId)', { field: 'caseId', zh: '请选择要并入的案件' })
  const outcome = await db.transaction(async (tx) => {
    const r = await tx.query<{ version: number; status: ReportStatus; lon: number; lat: number; submitted_at: string }>(
      `SELECT version, status, ST_X(geom) AS lon, ST_Y(geom) AS lat, ${iso('submitted_at')} AS submitted_at FROM reports WHERE id = $1 AND ${inScope('admin_code', '$2')} FOR UPDATE`,
      [id, scope],
    )
    const report = r.rows[0]
    if (!report) return { missing: true as const }
    if (report.version !== expectedVersion) return { stale: report.version }
    const target = triageTarget(report.status, body.action)
    if ('refused' in target) throw new Refusal('conflict', target.refused, { code: 'triage_refused', zh: '该举报已办结，不能再次处理' })
    let caseId: number | null = null
    if (body.action === 'accept') {
      caseId = await insertCase(tx, {
        geometry: { type: 'Point', coordinates: [report.lon, report.lat] },
        use: body.use ?? 'other', source: 'report', foundAt: now.toISOString(), fromReport: id,
      }, userId, scope, now)
    } else if (body.action === 'link') {
      const c = await getCase(tx, body.caseId!, scope, now)
      if (!c) throw new Refusal('not_found', `no case ${body.caseId} in your area`, { field: 'caseId', zh: '找不到该案件' })
      caseId = c.id
    }
    await tx.query(
      `UPDATE reports SET status = $2, case_id = $3, public_reply = $4, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, target.to, caseId, publicNote],
    )
    await tx.query(
      `INSERT INTO report_history (report_id, user_id, action, from_status, to_status, public_note, internal_note, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, userId, body.action, report.status, target.to, publicNote, body.internalNote?.trim() || null, JSON.stringify({ caseId, use: body.use ?? null })],
    )
    if (caseId !== null) await decideRewards(tx, caseId, userId)
    return null
  })
  if (outcome?.stale !== undefined) {
    await refuseStaleWrite(db, 'report', { table: 'report_history', key: { report_id: id } }, userId, expectedVersion, outcome.stale, body)
  }
  if (outcome?.missing) return null
  return getReport(db, id, scope, true)
}

/**
 * 有奖举报: of the reports that led to one case, the earliest one sent before the case entered the
 * ledger is eligible; every other one is not (an earlier report of the same site, or the office
 * knew of it already). Decided again whenever a report joins the case; a change is recorded.
 */
async function decideRewards(tx: Queryable, caseId: number, userId: number): Promise<void> {
  const changed = await tx.query<{ id: number; reward: string; reward_reason: string }>(
    `WITH c AS (SELECT found_at FROM cases WHERE id = $1),
          first AS (SELECT r.id FROM reports r, c WHERE r.case_id = $1 AND r.submitted_at <= c.found_at ORDER BY r.submitted_at, r.id LIMIT 1),
          decided AS (
            SELECT r.id,
                   CASE WHEN r.id = (SELECT id FROM first) THEN 'eligible' ELSE 'not_eligible' END AS reward,
                   CASE WHEN r.id = (SELECT id FROM first) THEN '首个举报且查实立案'
                        WHEN r.submitted_at > (SELECT found_at FROM c) THEN '举报前该违建已在台账中'
                        ELSE '同一违建已有更早的举报' END AS reward_reason
            FROM reports r WHERE r.case_id = $1)
     UPDATE reports r SET reward = d.reward, reward_reason = d.reward_reason
     FROM decided d WHERE r.id = d.id AND (r.reward IS DISTINCT FROM d.reward OR r.reward_reason IS DISTINCT FROM d.reward_reason)
     RETURNING r.id, r.reward, r.reward_reason`,
    [caseId],
  )
  for (const row of changed.rows) {
    await tx.query(`INSERT INTO report_history (report_id, user_id, action, internal_note, after) VALUES ($1, $2, 'reward', $3, $4)`, [
      row.id, userId, row.reward_reason, JSON.stringify({ reward: row.reward, caseId }),
    ])
  }
}

/** The salt once read, per database (it never changes once made). */
const salts = new WeakMap<Queryable, Promise<string>>()

/**
 * The sender's address as kept: salted with a secret of this installation (made once, kept in
 * app_meta), so the stored hash cannot be reversed by hashing every IPv4 address.
 */
export async function addressHashOf(db: Queryable, address: string): Promise<string> {
  let salt = salts.get(db)
  if (!salt) {
    salt = (async () => {
      await db.query(`INSERT INTO app_meta (key, value) VALUES ('report_address_salt', $1) ON CONFLICT (key) DO NOTHING`, [JSON.stringify(randomBytes(16).toString('hex'))])
      return (await db.query<{ value: string }>(`SELECT value FROM app_meta WHERE key = 'report_address_salt'`)).rows[0]!.value
    })()
    salt.catch(() => salts.delete(db))
    salts.set(db, salt)
  }
  return sha256(`${await salt}:${address}`)
}

// ---- Open311 GeoReport v2 over the same reports ----

export interface Open311Filter {
  ids?: number[]
  serviceCode?: string
  start?: string
  end?: string
  statuses?: ('open' | 'closed')[]
}

/** Open311's open/closed: closed when rejected or when the case it led to is closed. */
const OPEN311_STATUS = `CASE WHEN r.status = 'rejected' OR c.status = 'closed' THEN 'closed' ELSE 'open' END`

export interface Open311Row {
  id: number
  status: 'open' | 'closed'
  serviceCode: ReportService
  publicReply: string | null
  villageName: string
  requestedAt: string
  updatedAt: string
  lon: number
  lat: number
}

/** Reports as Open311 publishes them: no description, contact or photo, and the place generalised like the 公示. */
export async function open311Requests(db: Queryable, f: Open311Filter, limit = 1000): Promise<Open311Row[]> {
  const params: unknown[] = []
  const where: string[] = []
  if (f.ids) where.push(`r.id = ANY($${params.push(f.ids)}::bigint[])`)
  if (f.serviceCode) where.push(`r.service_code = $${params.push(f.serviceCode)}`)
  if (f.start) where.push(`r.submitted_at >= $${params.push(f.start)}`)
  if (f.end) where.push(`r.submitted_at <= $${params.push(f.end)}`)
  if (f.statuses) where.push(`${OPEN311_STATUS} = ANY($${params.push(f.statuses)}::text[])`)
  const grid = params.push(await disclosureGridM(db))
  const r = await db.query<Record<string, unknown>>(
    `SELECT r.id, ${OPEN311_STATUS} AS status, r.service_code, r.public_reply, v.name AS village_name,
            ${iso('r.submitted_at')} AS requested_at, ${iso('r.updated_at')} AS updated_at, ST_X(g.p) AS lon, ST_Y(g.p) AS lat
     FROM reports r JOIN admin_units v ON v.code = r.admin_code LEFT JOIN cases c ON c.id = r.case_id
          CROSS JOIN LATERAL (SELECT ${generalisedPointSql('r.geom', `$${grid}`)} AS p) g
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY r.submitted_at DESC, r.id DESC LIMIT ${Math.trunc(limit)}`,
    params,
  )
  return r.rows.map((row) => ({
    id: row.id as number,
    status: row.status as 'open' | 'closed',
    serviceCode: row.service_code as ReportService,
    publicReply: (row.public_reply as string | null) ?? null,
    villageName: row.village_name as string,
    requestedAt: row.requested_at as string,
    updatedAt: row.updated_at as string,
    lon: Number(row.lon),
    lat: Number(row.lat),
  }))
}
