// Compact reads for the map's deck.gl layers: the whole ledger in scope as binary columns (the
// aggregation at low zoom), and the safety grades of self-built houses in a box (3D buildings).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { CASE_POINTS_TYPE, encodeCasePoints } from '../domain/case-points.ts'
import { READERS } from '../domain/roles.ts'
import type { Scope } from '../domain/scope.ts'
import { principalOf } from '../http/access.ts'
import { binary } from '../http/contract.ts'
import { badRequest } from '../http/problem.ts'
import { buildingGrades, casePoints, casePointsFingerprint } from '../repos/map-points.repo.ts'
import { BuildingGrades, GradesQuery } from '../schemas/map-points.schema.ts'

/** Bodies kept per scope, so a reload or a second user of the same town costs one aggregate query. */
const KEPT_BODIES = 8
/** A box wider than this is a view zoomed too far out for 3D buildings. */
const MAX_GRADES_BBOX_DEG2 = 0.1
const MAX_GRADES = 50_000

const CASE_POINTS_DOC = [
  'The published cases in your scope (not those waiting for a location), one point each (a polygon site at its point on surface), in binary columns, little-endian:',
  'uint32 H; H bytes of JSON header {count, statuses, columns} (space-padded); then, each column starting on a 4-byte boundary:',
  'position float32×2 (lon, lat) per case; id uint32; demolished float32 (拆除占地面积 m², 0 when none); status uint8 (index into header.statuses).',
  'Decoder: server/src/domain/case-points.ts. Revalidate with If-None-Match (304).',
].join(' ')

function parseBbox(raw: string): [number, number, number, number] {
  const parts = raw.split(',').map(Number)
  const [w, s, e, n] = parts as [number, number, number, number]
  const bad = (zh: string, en: string) => badRequest(`bbox ${raw}: ${en}`, { field: 'bbox', detailZh: `范围 bbox ${raw}：${zh}` })
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) throw bad('须为 西,南,东,北 四个经纬度数值', 'send west,south,east,north as four numbers')
  if (w < -180 || e > 180 || s < -90 || n > 90 || w >= e || s >= n) throw bad('须为经纬度且西小于东、南小于北', 'must be lon/lat with west < east and south < north')
  if ((e - w) * (n - s) > MAX_GRADES_BBOX_DEG2) throw bad(`超过 ${MAX_GRADES_BBOX_DEG2} 平方度，请放大地图`, `is over ${MAX_GRADES_BBOX_DEG2} square degrees: zoom in`)
  return [w, s, e, n]
}

export const mapPointRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const kept = new Map<string, Buffer>()
  const bodyOf = async (scope: Scope, etag: string) => {
    const key = `${scope} ${etag}`
    const hit = kept.get(key)
    if (hit) return hit
    const body = encodeCasePoints(await casePoints(db, scope))
    for (const k of kept.keys()) if (k.startsWith(`${scope} `)) kept.delete(k)
    if (kept.size >= KEPT_BODIES) kept.delete(kept.keys().next().value!)
    kept.set(key, body)
    return body
  }

  app.get(
    '/api/cases/points',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['ledger'],
        summary: 'The ledger in your scope as points in binary columns (the map aggregates them on the GPU)',
        description: CASE_POINTS_DOC,
        response: { 200: binary(CASE_POINTS_TYPE, CASE_POINTS_DOC), 304: Type.Null({ description: 'Not Modified: no case in scope changed since the ETag sent in If-None-Match' }) },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const etag = `"cp-${await casePointsFingerprint(db, scope)}"`
      reply.header('cache-control', 'private, no-cache').header('vary', 'cookie').header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send(null)
      return reply.type(CASE_POINTS_TYPE).send((await bodyOf(scope, etag)) as unknown as string)
    },
  )

  app.get(
    '/api/buildings/grades',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['map'],
        summary: 'Safety grades of the self-built houses in a box (the 3D buildings colour by them)',
        querystring: GradesQuery,
        response: { 200: BuildingGrades },
      },
    },
    async (request): Promise<BuildingGrades> => buildingGrades(db, principalOf(request).scope, parseBbox(request.query.bbox), MAX_GRADES),
  )
}
