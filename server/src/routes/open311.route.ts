// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the same reports: the service
// list, requests by filter or id, and posting a request from an app that holds an api_key the
// office issued (CHAIWEI_OPEN311_KEYS). JSON format only (`.json`); errors are problem+json like
// every other route. What is published is what the 公示 publishes: no description, contact or
// photo, the place generalised to the disclosure grid, the village for the address.
import { timingSafeEqual } from 'node:crypto'
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'
import { REPORT_SERVICES, SERVICE_NAMES, type ReportService } from '../domain/public-reports.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'
import { addressHashOf, createReport, open311Requests, type Open311Row } from '../repos/reports.repo.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { Open311Created, Open311CreateBody, Open311Request, Open311Requests, Open311RequestsQuery, Open311Services } from '../schemas/public.schema.ts'

const BASE = '/api/open311/v2'
type Open311RequestT = Static<typeof Open311Request>

function keyAccepted(sent: string, keys: readonly string[]): boolean {
  const s = Buffer.from(sent)
  return keys.some((k) => {
    const b = Buffer.from(k)
    return b.length === s.length && timingSafeEqual(b, s)
  })
}

export const open311Routes: FastifyPluginAsyncTypebox<{ db: Db; config: Config }> = async (app, { db, config }) => {
  // GeoReport v2 clients post application/x-www-form-urlencoded
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    const fields: Record<string, string | number> = {}
    for (const [k, v] of new URLSearchParams(body as string)) fields[k] = k === 'lat' || k === 'long' ? Number(v) : v
    done(null, fields)
  })

  let agency = ''
  const agencyName = async () => (agency ||= (await getDistrict(db))?.name ?? '')
  const asRequest = async (r: Open311Row): Promise<Open311RequestT> => ({
    service_request_id: String(r.id),
    status: r.status,
    status_notes: r.publicReply,
    service_name: SERVICE_NAMES[r.serviceCode].zh,
    service_code: r.serviceCode,
    agency_responsible: await agencyName(),
    service_notice: null,
    requested_datetime: r.requestedAt,
    updated_datetime: r.updatedAt,
    expected_datetime: null,
    address: r.villageName,
    zipcode: null,
    lat: r.lat,
    long: r.lon,
    media_url: null,
  })

  app.get(`${BASE}/services.json`, {
    config: { access: 'public' },
    schema: { tags: ['open311'], summary: 'GeoReport v2: the services (kinds of report) accepted', querystring: Type.Object({ jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Open311Services } },
  }, async () => REPORT_SERVICES.map((code) => ({
    service_code: code,
    service_name: SERVICE_NAMES[code].zh,
    description: SERVICE_NAMES[code].descriptionZh,
    metadata: false,
    type: 'realtime',
    keywords: SERVICE_NAMES[code].en,
    group: '违法建设',
  })))

  app.get(`${BASE}/requests.json`, {
    config: { access: 'public' },
    schema: { tags: ['open311'], summary: 'GeoReport v2: requests by id, service, date or status (newest first, at most 1000)', querystring: Open311RequestsQuery, response: { 200: Open311Requests } },
  }, async (request) => {
    const q = request.query
    const ids = q.service_request_id?.split(',').map((s) => s.trim()).filter(Boolean)
    if (ids?.some((id) => !/^[0-9]{1,18}$/.test(id))) throw badRequest('service_request_id: comma-separated numbers', { field: 'service_request_id' })
    const statuses = q.status?.split(',').map((s) => s.trim())
    if (statuses?.some((s) => s !== 'open' && s !== 'closed')) throw badRequest('status: open, closed or both', { field: 'status' })
    const codes = q.service_code?.split(',').map((s) => s.trim())
    if (codes && codes.length > 1) throw badRequest('service_code: one service code', { field: 'service_code' })
    if (codes && !REPORT_SERVICES.includes(codes[0] as ReportService)) throw badRequest(`service_code: one of ${REPORT_SERVICES.join(', ')}`, { field: 'service_code' })
    // GeoReport v2: without an id or dates, the last 90 days
    const start = q.start_date ?? (ids || q.end_date ? undefined : new Date(Date.now() - 90 * 86400_000).toISOString())
    const rows = await open311Requests(db, { ids: ids?.map(Number), serviceCode: codes?.[0], start, end: q.end_date, statuses: statuses as ('open' | 'closed')[] | undefined })
    return Promise.all(rows.map(asRequest))
  })

  app.get(`${BASE}/requests/:id.json`, {
    config: { access: 'public' },
    schema: { tags: ['open311'], summary: 'GeoReport v2: one request', params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }), response: { 200: Open311Requests } },
  }, async (request) => {
    const rows = await open311Requests(db, { ids: [Number(request.params.id)] })
    if (rows.length === 0) throw notFound(`no service request ${request.params.id}`)
    return Promise.all(rows.map(asRequest))
  })

  app.post(`${BASE}/requests.json`, {
    config: { access: 'public', rateLimit: { max: 60, timeWindow: '1 hour' } },
    schema: {
      tags: ['open311'],
      summary: 'GeoReport v2: post a request from an app holding an api_key the office issued (60 per hour per address)',
      description: 'Form-encoded or JSON. first_name/last_name/phone become the contact the staff see (never published); email and device ids are not kept. The answer\'s token is the receipt code (查询码) for GET /api/public/reports/{code}.',
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: Open311CreateBody,
      response: { 201: Open311Created },
    },
  }, async (request, reply) => {
    const b = request.body
    if (config.open311Keys.length === 0 || !keyAccepted(b.api_key, config.open311Keys)) {
      throw new Refusal('forbidden', 'this api_key is not one the office issued', { code: 'bad_api_key', field: 'api_key', zh: 'api_key 无效' })
    }
    const addressHash = await addressHashOf(db, request.ip)
    const name = [b.last_name, b.first_name].filter(Boolean).join('').trim()
    const receipt = await createReport(db, {
      serviceCode: b.service_code, description: b.description.trim(), lon: b.long, lat: b.lat, locationSource: 'gps',
      contactName: name || null, contactPhone: b.phone?.trim() || null, addressHash, via: 'open311', photos: [],
    })
    return reply.code(201).send([{ service_request_id: String(receipt.id), service_notice: `已收到，查询码 ${receipt.receiptCode}`, account_id: null, token: receipt.receiptCode }])
  })
}
