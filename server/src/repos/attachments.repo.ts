// Photos and documents of a case or a satellite-change patch: rows here, bytes in the FileStore.
import type { Db, Queryable } from '../db/db.ts'
import { inScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import type { Attachment } from '../schemas/cases.schema.ts'

type Row = Record<string, unknown>

const SELECT = `
  SELECT t.id, t.case_id, t.detection_id, t.survey_id, t.kind, t.stage, t.file_name, t.mime_type, t.byte_size, t.sha256, t.storage_key,
         to_char(t.taken_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS taken_at,
         ST_X(t.location) AS lon, ST_Y(t.location) AS lat, u.username,
         to_char(t.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS uploaded_at
  FROM attachments t LEFT JOIN cases c ON c.id = t.case_id LEFT JOIN detections d ON d.id = t.detection_id
       LEFT JOIN house_surveys hs ON hs.id = t.survey_id
       LEFT JOIN users u ON u.id = t.uploaded_by`

/** In the caller's scope: through the case it belongs to, else through the patch or the house file. */
const IN_SCOPE = inScope('coalesce(c.admin_code, d.admin_code, hs.admin_code)', '$2')

const toAttachment = (r: Row): Attachment => ({
  id: r.id as number,
  caseId: r.case_id as number | null,
  detectionId: r.detection_id as number | null,
  surveyId: (r.survey_id as number | null) ?? null,
  kind: r.kind as Attachment['kind'],
  stage: r.stage as string | null,
  fileName: r.file_name as string,
  mimeType: r.mime_type as string,
  byteSize: r.byte_size as number,
  sha256: r.sha256 as string,
  takenAt: r.taken_at as string | null,
  location: r.lon === null ? null : [r.lon as number, r.lat as number],
  uploadedBy: r.username as string | null,
  uploadedAt: r.uploaded_at as string,
})

export interface NewAttachment {
  caseId: number | null
  detectionId?: number | null
  surveyId?: number | null
  kind: 'photo' | 'document'
  stage: string | null
  fileName: string
  mimeType: string
  byteSize: number
  sha256: string
  storageKey: string
  takenAt: string | null
  location: [number, number] | null
  clientId: string | null
  userId: number
}

export async function findByClientId(db: Queryable, clientId: string, scope: Scope): Promise<Attachment | null> {
  const r = await db.query<Row>(`${SELECT} WHERE t.client_id = $1 AND ${IN_SCOPE}`, [clientId, scope])
  return r.rows[0] ? toAttachment(r.rows[0]) : null
}

export async function addAttachment(db: Db, a: NewAttachment): Promise<number> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO attachments (case_id, kind, stage, file_name, mime_type, byte_size, sha256, storage_key, taken_at, location, uploaded_by, client_id, detection_id, survey_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
               CASE WHEN $10::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($10, $11), 4326) END, $12, $13, $14, $15)
       RETURNING id`,
      [a.caseId, a.kind, a.stage, a.fileName, a.mimeType, a.byteSize, a.sha256, a.storageKey, a.takenAt, a.location?.[0] ?? null, a.location?.[1] ?? null, a.userId, a.clientId, a.detectionId ?? null, a.surveyId ?? null],
    )
    const id = r.rows[0]!.id
    const trace = JSON.stringify({ attachment_id: id, file_name: a.fileName, kind: a.kind, stage: a.stage, taken_at: a.takenAt, location: a.location })
    if (a.caseId !== null) await tx.query(`INSERT INTO case_history (case_id, user_id, action, after) VALUES ($1, $2, 'attach', $3)`, [a.caseId, a.userId, trace])
    if (a.detectionId) await tx.query(`INSERT INTO detection_history (detection_id, user_id, action, after) VALUES ($1, $2, 'attach', $3)`, [a.detectionId, a.userId, trace])
    if (a.surveyId) await tx.query(`INSERT INTO survey_history (survey_id, user_id, action, after) VALUES ($1, $2, 'attach', $3)`, [a.surveyId, a.userId, trace])
    return id
  })
}

export async function listAttachments(db: Queryable, caseId: number, scope: Scope): Promise<Attachment[]> {
  const r = await db.query<Row>(`${SELECT} WHERE t.case_id = $1 AND ${IN_SCOPE} ORDER BY t.id`, [caseId, scope])
  return r.rows.map(toAttachment)
}

export async function listDetectionAttachments(db: Queryable, detectionId: number, scope: Scope): Promise<Attachment[]> {
  const r = await db.query<Row>(`${SELECT} WHERE t.detection_id = $1 AND ${IN_SCOPE} ORDER BY t.id`, [detectionId, scope])
  return r.rows.map(toAttachment)
}

export async function listSurveyAttachments(db: Queryable, surveyId: number, scope: Scope): Promise<Attachment[]> {
  const r = await db.query<Row>(`${SELECT} WHERE t.survey_id = $1 AND ${IN_SCOPE} ORDER BY t.id`, [surveyId, scope])
  return r.rows.map(toAttachment)
}

export async function getAttachment(db: Queryable, id: number, scope: Scope): Promise<(Attachment & { storageKey: string }) | null> {
  const r = await db.query<Row>(`${SELECT} WHERE t.id = $1 AND ${IN_SCOPE}`, [id, scope])
  return r.rows[0] ? { ...toAttachment(r.rows[0]), storageKey: r.rows[0].storage_key as string } : null
}
