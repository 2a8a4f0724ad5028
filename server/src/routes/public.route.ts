// What anyone may use without an account (docs/public.md): report a suspected violation (有奖举报)
// and follow it with the receipt code, read the published ledger (公示), and the public base map
// under both. Abuse controls: per-address rate limits, a CAPTCHA from the second report of an
// address within a day, size and type checks, photos re-encoded without metadata.
import type { FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import svgCaptcha from 'svg-captcha'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { Refusal } from '../domain/errors.ts'
import { isPhoneNumber, normaliseReceiptCode, REPORT_SERVICES, SERVICE_NAMES, type ReportService } from '../domain/public-reports.ts'
import { scopeOf } from '../domain/scope.ts'
import { binary, multipartBody, NoContent } from '../http/contract.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { getDistrict } from '../repos/admin-units.repo.ts'
import { answerChallenge, newChallenge } from '../repos/captcha.repo.ts'
import { publishedLedger } from '../repos/disclosure.repo.ts'
import { addReportInfo, addressHashOf, createReport, publicReportPhoto, publicReportStatus, reportsFromAddress, type StoredPhoto } from '../repos/reports.repo.ts'
import { Captcha, Disclosure, DisclosureQuery, PublicReportStatus, ReceiptParams, ReceiptPhotoParams, ReportReceipt, ReportRules } from '../schemas/public.schema.ts'
import { LAYERS } from '../sources/layers.ts'
import { TileService } from '../sources/tiles.ts'
import { MVT_TYPE } from './tiles.route.ts'
import type { FileStore } from '../storage/file-store.ts'
import { cleanPublicPhoto, MAX_PUBLIC_PHOTO_BYTES } from '../storage/public-photo.ts'

export const MAX_REPORT_PHOTOS = 3
export const MAX_DESCRIPTION = 2000
/** Reports one address may send in an hour, whatever the CAPTCHA says. */
export const REPORTS_PER_HOUR = 5
const CAPTCHA_AFTER_MS = 24 * 3600_000
/** The reference layers the public map draws: context only, nothing about people or cases. */
export const PUBLIC_TILE_LAYERS = ['admin-units', 'roads', 'waters'] as const

const ReportBody = multipartBody({
  serviceCode: { description: REPORT_SERVICES.join(' | ') },
  description: { description: `what was seen, at most ${MAX_DESCRIPTION} characters` },
  lon: { description: 'longitude, WGS84' },
  lat: { description: 'latitude, WGS84' },
  locationSource: { description: 'map (picked on the map) or gps (the phone’s position)' },
  contactName: { description: 'optional; seen only by the staff who handle reports, never published' },
  contactPhone: { description: 'optional; seen only by the staff who handle reports, never published' },
  captchaId: { description: 'required from the second report of an address within 24 hours (GET /api/public/captcha)' },
  captchaAnswer: { description: 'the characters of that CAPTCHA' },
  photo: { description: `0 to ${MAX_REPORT_PHOTOS} photos (JPEG, PNG, WebP, at most ${MAX_PUBLIC_PHOTO_BYTES / 1024 / 1024} MB each), after the fields; stored re-encoded without EXIF or other metadata`, binary: true },
})

const InfoBody = multipartBody({
  description: { description: 'the answer to the office’s question' },
  photo: { description: `0 to ${MAX_REPORT_PHOTOS} photos, after the text`, binary: true },
})

/** Text as typed, without control characters (newlines and tabs kept); never HTML-interpreted anywhere. */
function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim()
}

interface Received {
  fields: Record<string, string>
  files: { name: string; bytes: Buffer }[]
}

/** Every part of a multipart form: fields, and the files (each within the size cap). */
async function receiveForm(request: FastifyRequest): Promise<Received> {
  if (!request.isMultipart()) throw badRequest('send the report as multipart/form-data')
  const received: Received = { fields: {}, files: [] }
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'photo') throw badRequest(`unexpected file part ${part.fieldname}; photos go in parts named photo`, { field: part.fieldname })
        received.files.push({ name: part.filename || `photo ${received.files.length + 1}`, bytes: await part.toBuffer() })
      } else if (typeof part.value === 'string') {
        received.fields[part.fieldname] = part.value
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new HttpProblem(413, 'Content Too Large', `a photo is larger than ${MAX_PUBLIC_PHOTO_BYTES / 1024 / 1024} MB`, { code: 'photo_too_large', field: 'photo', detailZh: `单张照片不能超过 ${MAX_PUBLIC_PHOTO_BYTES / 1024 / 1024} MB` })
    }
    if (code === 'FST_FILES_LIMIT') {
      throw new HttpProblem(413, 'Content Too Large', `at most ${MAX_REPORT_PHOTOS} photos`, { code: 'too_many_photos', field: 'photo', detailZh: `最多上传 ${MAX_REPORT_PHOTOS} 张照片` })
    }
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw badRequest('too many form fields')
    throw err
  }
  return received
}

const invalid = (field: string, message: string, zh: string) => new Refusal('invalid', message, { field, zh })

export const publicRoutes: FastifyPluginAsyncTypebox<{ db: Db; files: FileStore }> = async (app, { db, files }) => {
  await app.register(multipart, {
    limits: { fileSize: MAX_PUBLIC_PHOTO_BYTES, files: MAX_REPORT_PHOTOS, fields: 12, fieldSize: MAX_DESCRIPTION * 4, parts: 16 },
  })

  /** Photos re-encoded and on disk; removed again if the report is not written. */
  const storePhotos = async (incoming: Received['files']): Promise<StoredPhoto[]> => {
    const cleaned = []
    for (const f of incoming) cleaned.push(await cleanPublicPhoto(f.bytes, f.name)) // refuse before anything is stored
    const stored: StoredPhoto[] = []
    for (const c of cleaned) {
      const key = files.newKey()
      await files.put(key, c.bytes)
      stored.push({ storageKey: key, bytes: c.bytes.length, width: c.width, height: c.height })
    }
    return stored
  }
  const discard = (photos: StoredPhoto[]) => Promise.all(photos.map((p) => files.remove(p.storageKey)))

  app.get(
    '/api/public/report-rules',
    {
      config: { access: 'public' },
      schema: { tags: ['public'], summary: 'What the report form needs: limits, services, the district, and whether this address needs a CAPTCHA', response: { 200: ReportRules } },
    },
    async (request): Promise<ReportRules> => {
      const [district, recent] = await Promise.all([getDistrict(db), addressHashOf(db, request.ip).then((h) => reportsFromAddress(db, h, new Date(Date.now() - CAPTCHA_AFTER_MS)))])
      if (!district) throw notFound('this server holds no district yet')
      return {
        captchaRequired: recent > 0,
        maxPhotos: MAX_REPORT_PHOTOS,
        maxPhotoBytes: MAX_PUBLIC_PHOTO_BYTES,
        maxDescription: MAX_DESCRIPTION,
        services: REPORT_SERVICES.map((code) => ({ code, nameZh: SERVICE_NAMES[code].zh, nameEn: SERVICE_NAMES[code].en, descriptionZh: SERVICE_NAMES[code].descriptionZh })),
        bbox: district.bbox,
        districtName: district.name,
      }
    },
  )

  app.get(
    '/api/public/captcha',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { tags: ['public'], summary: 'A new CAPTCHA challenge (30 per minute per address)', response: { 200: Captcha } },
    },
    async (_request, reply): Promise<Captcha> => {
      const made = svgCaptcha.create({ size: 4, noise: 2, ignoreChars: '0oO1iIlL', color: false })
      const { id, expiresAt } = await newChallenge(db, made.text)
      reply.header('cache-control', 'no-store')
      return { id, svg: made.data, expiresAt }
    },
  )

  app.post(
    '/api/public/reports',
    {
      config: { access: 'public', rateLimit: { max: REPORTS_PER_HOUR, timeWindow: '1 hour' } },
      schema: {
        tags: ['public'],
        summary: `Report a suspected violation without an account (${REPORTS_PER_HOUR} per hour per address; a CAPTCHA from the second within 24 hours)`,
        description: 'Answers the receipt code (查询码) once; keep it to follow the report. Contact details are optional and never published.',
        consumes: ['multipart/form-data'],
        body: ReportBody,
        response: { 201: ReportReceipt },
      },
    },
    async (request, reply) => {
      const { fields, files: incoming } = await receiveForm(request)
      const serviceCode = fields.serviceCode as ReportService
      if (!REPORT_SERVICES.includes(serviceCode)) throw invalid('serviceCode', `serviceCode must be one of ${REPORT_SERVICES.join(', ')}`, '请选择举报类型')
      const description = cleanText(fields.description ?? '')
      if (!description) throw invalid('description', 'describe what you saw', '请填写问题描述')
      if (description.length > MAX_DESCRIPTION) throw invalid('description', `the description is longer than ${MAX_DESCRIPTION} characters`, `问题描述不能超过 ${MAX_DESCRIPTION} 字`)
      const lon = Number(fields.lon)
      const lat = Number(fields.lat)
      if (fields.lon === undefined || fields.lat === undefined || !Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
        throw invalid('lon', 'pick the place on the map (lon and lat)', '请在地图上选择位置')
      }
      const locationSource = fields.locationSource === 'gps' ? 'gps' : fields.locationSource === 'map' || fields.locationSource === undefined ? 'map' : null
      if (!locationSource) throw invalid('locationSource', 'locationSource must be map or gps', '位置来源有误')
      const contactName = cleanText(fields.contactName ?? '') || null
      const contactPhone = cleanText(fields.contactPhone ?? '') || null
      if (contactName && contactName.length > 50) throw invalid('contactName', 'the name is longer than 50 characters', '姓名不能超过 50 字')
      if (contactPhone && !isPhoneNumber(contactPhone)) throw invalid('contactPhone', `${contactPhone.slice(0, 30)} is not a phone number`, '联系电话格式不正确')

      const addressHash = await addressHashOf(db, request.ip)
      if ((await reportsFromAddress(db, addressHash, new Date(Date.now() - CAPTCHA_AFTER_MS))) > 0) {
        if (!fields.captchaId || !fields.captchaAnswer) {
          throw new Refusal('invalid', 'this address has reported today: answer the CAPTCHA (GET /api/public/captcha)', { code: 'captcha_required', field: 'captchaAnswer', zh: '请输入图片中的验证码' })
        }
        if ((await answerChallenge(db, fields.captchaId, fields.captchaAnswer)) !== 'passed') {
          throw new Refusal('invalid', 'the CAPTCHA answer is wrong or the challenge has expired; try a new one', { code: 'captcha_wrong', field: 'captchaAnswer', zh: '验证码错误或已过期，请重新输入' })
        }
      }

      const photos = await storePhotos(incoming)
      try {
        const receipt = await createReport(db, { serviceCode, description, lon, lat, locationSource, contactName, contactPhone, addressHash, via: 'web', photos })
        reply.header('cache-control', 'no-store')
        return reply.code(201).send(receipt)
      } catch (err) {
        await discard(photos)
        throw err
      }
    },
  )

  /** The canonical code, or 404 as for a code we never gave (a malformed one is simply not found). */
  const codeOf = (raw: string) => {
    const code = normaliseReceiptCode(raw)
    if (!code) throw notFound('no report has this receipt code')
    return code
  }
  const lookupLimit = { max: 60, timeWindow: '1 minute' }

  app.get(
    '/api/public/reports/:code',
    {
      config: { access: 'public', rateLimit: lookupLimit },
      schema: { tags: ['public'], summary: 'A report as its reporter follows it, by receipt code (60 lookups per minute per address)', params: ReceiptParams, response: { 200: PublicReportStatus } },
    },
    async (request, reply): Promise<PublicReportStatus> => {
      const status = await publicReportStatus(db, codeOf(request.params.code))
      if (!status) throw notFound('no report has this receipt code')
      reply.header('cache-control', 'no-store')
      return status
    },
  )

  app.post(
    '/api/public/reports/:code/info',
    {
      config: { access: 'public', rateLimit: { max: REPORTS_PER_HOUR, timeWindow: '1 hour' } },
      schema: {
        tags: ['public'],
        summary: 'The reporter answers the office’s request for more (text and photos); only while the office is asking',
        consumes: ['multipart/form-data'],
        params: ReceiptParams,
        body: InfoBody,
        response: { 200: PublicReportStatus },
      },
    },
    async (request): Promise<PublicReportStatus> => {
      const code = codeOf(request.params.code)
      const { fields, files: incoming } = await receiveForm(request)
      const text = cleanText(fields.description ?? '')
      if (!text && incoming.length === 0) throw invalid('description', 'add some text or a photo', '请填写补充内容或上传照片')
      if (text.length > MAX_DESCRIPTION) throw invalid('description', `the text is longer than ${MAX_DESCRIPTION} characters`, `补充内容不能超过 ${MAX_DESCRIPTION} 字`)
      if (!(await publicReportStatus(db, code))) throw notFound('no report has this receipt code')
      const photos = await storePhotos(incoming)
      try {
        await addReportInfo(db, code, text, photos)
      } catch (err) {
        await discard(photos)
        throw err
      }
      return (await publicReportStatus(db, code))!
    },
  )

  app.get(
    '/api/public/reports/:code/photos/:photoId',
    {
      config: { access: 'public', rateLimit: lookupLimit },
      schema: { tags: ['public'], summary: 'A photo of the report, as stored (re-encoded, no metadata)', params: ReceiptPhotoParams, response: { 200: binary('image/jpeg', 'the photo') } },
    },
    async (request, reply) => {
      const key = await publicReportPhoto(db, codeOf(request.params.code), request.params.photoId)
      if (!key) throw notFound('no such photo')
      reply.header('cache-control', 'private, no-store')
      return reply.type('image/jpeg').send((await files.get(key)) as unknown as string)
    },
  )

  app.get(
    '/api/public/disclosure',
    {
      config: { access: 'public' },
      schema: {
        tags: ['public'],
        summary: 'The published ledger (公示): the cases of the stages the office publishes, without parties, address text, exact place or photos',
        querystring: DisclosureQuery,
        response: { 200: Disclosure },
      },
    },
    async (request, reply): Promise<Disclosure> => {
      const q = request.query
      reply.header('cache-control', 'public, max-age=60')
      return publishedLedger(db, { village: q.village, stage: q.stage, limit: q.limit ?? 200, offset: q.offset ?? 0 })
    },
  )

  // The public base map: the district's boundaries, roads and waters, for the whole district.
  const tiles = new TileService(LAYERS.filter((l) => (PUBLIC_TILE_LAYERS as readonly string[]).includes(l.id)), app.log)
  let districtScope: ReturnType<typeof scopeOf> | null = null
  app.get(
    '/api/public/tiles/:layer/:z/:x/:y',
    {
      config: { access: 'public', readFrom: 'primary' }, // cached by snapshot, as the staff tiles (tiles.route.ts)
      schema: {
        tags: ['public'],
        summary: `A vector tile of the public base map (${PUBLIC_TILE_LAYERS.join(', ')}); 204 when empty`,
        params: Type.Object({ layer: Type.Enum(PUBLIC_TILE_LAYERS), z: Type.Integer({ minimum: 0, maximum: 22 }), x: Type.Integer({ minimum: 0 }), y: Type.Integer({ minimum: 0 }) }),
        response: { 200: binary(MVT_TYPE, 'Mapbox Vector Tile'), 204: NoContent },
      },
    },
    async (request, reply) => {
      const { layer: id, z, x, y } = request.params
      const n = 2 ** z
      if (x >= n || y >= n) throw badRequest(`tile ${z}/${x}/${y} is outside the tile matrix`)
      if (!districtScope) {
        const district = await getDistrict(db)
        if (!district) return reply.code(204).send(null)
        districtScope = scopeOf(district.code)
      }
      const result = await tiles.get(db, tiles.layer(id)!, { z, x, y, scope: districtScope })
      reply.header('cache-control', 'public, max-age=300')
      if (!result.tile) return reply.code(204).send(null)
      return reply.type(MVT_TYPE).send(Buffer.from(result.tile) as unknown as string)
    },
  )
}
