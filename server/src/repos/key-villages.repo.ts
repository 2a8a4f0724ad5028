// 重点村: villages that meet a criterion of seed 000 (DOMAIN.md): floating population above the
// registered one (倒挂), floating population above 1,000, or many violations for their size.
import type { Queryable } from '../db/db.ts'
import type { KeyVillage, KeyVillageReason } from '../schemas/planning.schema.ts'
import { inScope, inUnit } from './scope.sql.ts'
import type { Scope } from '../domain/scope.ts'

export const FLOATING_LIMIT = 1_000

/**
 * Villages in scope meeting any criterion, each with every reason it meets. Density is every
 * ledger case filed under the village per km² of the village (cases / area_m2 × 10⁶, two decimals).
 */
export async function keyVillages(db: Queryable, scope: Scope, densityThreshold: number, town?: string): Promise<KeyVillage[]> {
  const params: unknown[] = [scope, densityThreshold, FLOATING_LIMIT]
  const r = await db.query<Record<string, unknown>>(
    `WITH v AS (
       SELECT v.code, v.name, t.code AS town_code, t.name AS town_name, v.registered_population AS reg, v.floating_population AS flo,
              v.is_key_village, v.area_m2,
              (SELECT count(*) FROM cases c WHERE c.admin_code = v.code) AS cases
       FROM admin_units v JOIN admin_units t ON t.code = v.parent_code
       WHERE v.level = 'village' AND ${inScope('v.code', '$1')} ${town ? `AND ${inUnit('v.code', '$4')}` : ''}
     )
     SELECT *, round(cases * 1e6 / area_m2, 2) AS density,
            coalesce(flo > reg, false) AS inverted, coalesce(flo > $3, false) AS many, cases * 1e6 / area_m2 > $2 AS dense
     FROM v
     WHERE coalesce(flo > reg, false) OR coalesce(flo > $3, false) OR cases * 1e6 / area_m2 > $2
     ORDER BY code`,
    town ? [...params, town] : params,
  )
  return r.rows.map((x) => {
    const reasons: KeyVillageReason[] = []
    if (x.inverted) reasons.push({ code: 'floating_gt_registered', detail: `流动人口${x.flo}人超过户籍人口${x.reg}人（倒挂）` })
    if (x.many) reasons.push({ code: 'floating_gt_1000', detail: `流动人口${x.flo}人超过${FLOATING_LIMIT}人` })
    if (x.dense) reasons.push({ code: 'case_density', detail: `违法建设${x.density}处/平方公里，超过${densityThreshold}处/平方公里` })
    return {
      code: x.code as string, name: x.name as string, townCode: x.town_code as string, townName: x.town_name as string,
      registeredPopulation: x.reg as number | null, floatingPopulation: x.flo as number | null, caseCount: x.cases as number,
      areaKm2: Math.round((x.area_m2 as number) / 1000) / 1000, caseDensityPerKm2: x.density as number, designated: x.is_key_village as boolean, reasons,
    }
  })
}
