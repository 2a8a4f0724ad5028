// The append-only trail of a case or a patch (case_history, detection_history): both tables have
// the same columns, so one query reads either, oldest first, with who made each step.
import type { Queryable } from '../db/db.ts'
import type { HistoryEntry } from '../schemas/common.schema.ts'

/** Table and key column per kind of record: identifiers come from here only. */
const TRAILS = {
  case: { table: 'case_history', key: 'case_id' },
  detection: { table: 'detection_history', key: 'detection_id' },
} as const

export async function statusTrail(db: Queryable, of: keyof typeof TRAILS, id: number): Promise<HistoryEntry[]> {
  const { table, key } = TRAILS[of]
  const r = await db.query<Record<string, unknown>>(
    `SELECT h.id, to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, u.username, h.action,
            h.from_status, h.to_status, h.reason, h.before, h.after
     FROM ${table} h LEFT JOIN users u ON u.id = h.user_id WHERE h.${key} = $1 ORDER BY h.at, h.id`,
    [id],
  )
  return r.rows.map((row) => ({
    id: row.id as number,
    at: row.at as string,
    user: row.username as string | null,
    action: row.action as string,
    fromStatus: row.from_status as string | null,
    toStatus: row.to_status as string | null,
    reason: row.reason as string | null,
    before: row.before,
    after: row.after,
  }))
}
