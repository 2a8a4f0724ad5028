// Finding things by what people type: a village or town name, an admin code, a case or patch number.
import type { Queryable } from '../db/db.ts'
import { inScope } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import type { SearchHit } from '../schemas/map.schema.ts'

interface Row {
  kind: SearchHit['kind']
  id: string
  label: string
  admin_code: string
  w: number
  s: number
  e: number
  n: number
}

/** Admin units match by name or code prefix; cases and patches by number prefix; exact hits first. All scoped. */
export async function search(db: Queryable, text: string, scope: Scope, limit: number): Promise<SearchHit[]> {
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const prefix = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const r = await db.query<Row>(
    `WITH hits AS (
       SELECT level AS kind, code AS id, name AS label, code AS admin_code, geom, 0 AS rank, length(name) AS len
       FROM admin_units WHERE ${inScope('code', '$3')} AND (name LIKE $1 OR code LIKE $2)
       UNION ALL
       SELECT 'case', id::text, case_no, admin_code, geom, 1, length(case_no)
       FROM cases WHERE ${inScope('admin_code', '$3')} AND case_no LIKE $2
       UNION ALL
       SELECT 'detection', id::text, patch_no, admin_code, geom, 2, length(patch_no)
       FROM detections WHERE ${inScope('admin_code', '$3')} AND patch_no LIKE $2
     )
     SELECT kind, id, label, admin_code, ST_XMin(geom) AS w, ST_YMin(geom) AS s, ST_XMax(geom) AS e, ST_YMax(geom) AS n
     FROM hits ORDER BY (id = $5 OR label = $5) DESC, rank, len, label, id LIMIT $4`,
    [like, prefix, scope, limit, text],
  )
  return r.rows.map((row) => ({ kind: row.kind, id: row.id, label: row.label, adminCode: row.admin_code, bbox: [row.w, row.s, row.e, row.n] }))
}
