// A write that names an older version than the record has (If-Match) is refused, and the refusal is
// part of the trace (全程留痕): one helper records it in the record's history and throws, for every
// record edited with If-Match (cases, patches, batches, zones, targets, teams, assignments).
import type { Queryable } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'

/** A record changed since the caller read it (If-Match names an older version): every editable record. */
export class StaleVersionError extends Refusal {
  constructor(
    readonly what: string,
    readonly current: number,
  ) {
    super('stale', `the ${what} was changed by someone else (now version ${current}); reload it and try again`, {
      code: 'stale_version', zh: '该记录已被他人修改，请刷新后重试', extra: { currentVersion: current },
    })
  }
}

/** The history table of a record and the columns that name the record in it. */
export type Trail =
  | { table: 'case_history'; key: { case_id: number } }
  | { table: 'detection_history'; key: { detection_id: number } | { batch_id: number } }
  | { table: 'zone_history'; key: { zone_id: number } }
  | { table: 'target_history'; key: { admin_code: string; year: number } }
  | { table: 'field_history'; key: { team_id: number } | { assignment_id: number } }
  | { table: 'report_history'; key: { report_id: number } }
  | { table: 'survey_history'; key: { survey_id: number } }
  | { table: 'disclosure_history'; key: Record<string, never> }

// Tables and key columns come from Trail, a closed set: never from a request.
const KEY_COLUMNS = new Set(['case_id', 'detection_id', 'batch_id', 'zone_id', 'admin_code', 'year', 'team_id', 'assignment_id', 'report_id', 'survey_id'])
const HAS_REASON = new Set<Trail['table']>(['case_history', 'detection_history'])

/**
 * Records the refused write (action 'refused:stale_version', the versions and what was attempted)
 * and throws StaleVersionError. Call it outside the transaction that found the stale version, so the
 * record of the refusal is not rolled back with it.
 */
export async function refuseStaleWrite(
  db: Queryable, what: string, trail: Trail, userId: number, expected: number, found: number, attempted: unknown,
): Promise<never> {
  const keys = Object.keys(trail.key).filter((k) => KEY_COLUMNS.has(k))
  const values = keys.map((k) => (trail.key as Record<string, unknown>)[k])
  const reason = `expected version ${expected}, found ${found}`
  const columns = [...keys, 'user_id', 'action', ...(HAS_REASON.has(trail.table) ? ['reason'] : []), 'after']
  const params = [...values, userId, 'refused:stale_version', ...(HAS_REASON.has(trail.table) ? [reason] : []),
    JSON.stringify(HAS_REASON.has(trail.table) ? attempted : { expectedVersion: expected, foundVersion: found, attempted })]
  await db.query(`INSERT INTO ${trail.table} (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})`, params)
  throw new StaleVersionError(what, found)
}
