// Public reports in tests: the multipart form a phone sends (fields first, then photos), and
// places of the sample district to report from.
import type { FastifyInstance } from 'fastify'
import type { Db } from '../../server/src/db/db.ts'

export interface Photo {
  name: string
  bytes: Buffer
  type?: string
}

export function reportForm(fields: Record<string, string | number>, photos: Photo[] = []): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----chaiwei${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  for (const p of photos) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${p.name}"\r\nContent-Type: ${p.type ?? 'image/jpeg'}\r\n\r\n`), p.bytes, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** POST /api/public/reports from `address` (the app trusts X-Forwarded-For from its proxy). */
export function sendReport(app: FastifyInstance, address: string, fields: Record<string, string | number>, photos: Photo[] = []) {
  const form = reportForm({ serviceCode: 'new_building', description: '村口新搭了一排彩钢板房', locationSource: 'map', ...fields }, photos)
  return app.inject({ method: 'POST', url: '/api/public/reports', payload: form.payload, headers: { ...form.headers, 'x-forwarded-for': address } })
}

/** A point inside a village with no case of the ledger within 300 m. */
export async function quietPlace(db: Db): Promise<{ lon: number; lat: number; village: string }> {
  const r = await db.query<{ lon: number; lat: number; code: string }>(
    `SELECT ST_X(p) AS lon, ST_Y(p) AS lat, code FROM (SELECT code, ST_PointOnSurface(geom) AS p FROM admin_units WHERE level = 'village') v
     WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE ST_DWithin(c.geom::geography, v.p::geography, 300))
       AND NOT EXISTS (SELECT 1 FROM reports r WHERE ST_DWithin(r.geom::geography, v.p::geography, 300))
     ORDER BY code LIMIT 1`,
  )
  const row = r.rows[0]
  if (!row) throw new Error('no quiet place in the sample district')
  return { lon: row.lon, lat: row.lat, village: row.code }
}

/** `metres` east of a point (a short hop: degrees of longitude shrink by cos(latitude)). */
export const east = (p: { lon: number; lat: number }, metres: number) => ({ ...p, lon: p.lon + metres / (111320 * Math.cos((p.lat * Math.PI) / 180)) })
