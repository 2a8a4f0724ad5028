// 整治区域: planners draw zones, make them from villages or parcels, or upload a GIS file;
// every signed-in role reads them within their scope. ETag + If-Match, append-only history.
import multipart from '@fastify/multipart'
import { readFeaturesFile, type FileFeature } from '../imports/features-file.ts'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { ZONE_TYPES, type ZoneType } from '../domain/planning-types.ts'
import { READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope } from '../http/admin-param.ts'
import { multipartBody, NoContent } from '../http/contract.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { badRequest, HttpProblem, notFound } from '../http/problem.ts'
import { areaStatistics } from '../repos/statistics.repo.ts'
import {
  createZone, createZones, deleteZone, editZone, getZone, listZones, ZONE_LIMITS, zoneHistory, type ZoneInput,
} from '../repos/zones.repo.ts'
import { IdParams } from '../schemas/common.schema.ts'
import { AreaFormatQuery, AreaStatistics, ChangeHistory, NewZoneBody, PatchZoneBody, Zone, ZoneList } from '../schemas/planning.schema.ts'
import { jsonOrXlsx, sendAreaStatistics } from './statistics.route.ts'

const PLANNERS: readonly Role[] = ['admin', 'planner']
export const ZONE_FILE_LIMITS = { bytes: 5 * 1024 * 1024, features: 200 }

/** Zones from an uploaded GIS file's features: names from a property, or 区域1, 区域2, … */
function zonesFromFeatures(features: FileFeature[], zoneType: ZoneType, nameProperty: string): ZoneInput[] {
  return features.map((f, i) => {
    const raw = f.properties[nameProperty]
    const name = typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, 200) : typeof raw === 'number' ? String(raw) : `区域${i + 1}`
    return { name, zoneType, geometry: f.geometry }
  })
}

export const zoneRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  await app.register(multipart, { limits: { fileSize: ZONE_FILE_LIMITS.bytes, files: 1, fields: 5, fieldSize: 200 } })

  app.get(
    '/api/zones',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['planning'],
        summary: 'Zones in your area, newest first',
        querystring: Type.Object(
          {
            type: Type.Optional(Type.Enum(ZONE_TYPES)),
            admin: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })),
            geometry: Type.Optional(Type.Boolean({ default: true })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ZoneList },
      },
    },
    async (request) => {
      const { scope } = principalOf(request)
      const q = request.query
      checkAdminInScope(q.admin, scope)
      return { items: await listZones(db, scope, { ...(q.type ? { type: q.type } : {}), ...(q.admin ? { admin: q.admin } : {}), withGeometry: q.geometry ?? true }) }
    },
  )

  app.post(
    '/api/zones',
    {
      config: { access: { roles: PLANNERS } },
      schema: {
        tags: ['planning'],
        summary: 'Create a zone from a drawing (geometry), villages (fromVillages) or parcels (fromParcels)',
        body: NewZoneBody,
        response: { 201: Zone },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const z = await createZone(db, request.body, user.id, scope)
      return reply.code(201).header('etag', etagOf(z.version)).header('location', `/api/zones/${z.id}`).send(z)
    },
  )

  app.post(
    '/api/zones/import',
    {
      config: { access: { roles: PLANNERS } },
      schema: {
        tags: ['planning'],
        summary: `Zones from a GIS file: GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or CSV with WKT (multipart: fields zoneType, nameProperty, crs when the file does not say it, encoding; then file; ≤ ${ZONE_FILE_LIMITS.bytes / 1024 / 1024} MB, ≤ ${ZONE_FILE_LIMITS.features} features); all or nothing`,
        body: multipartBody({
          zoneType: { description: `the zones' type: ${ZONE_TYPES.join(', ')} (default rectification_area)` },
          nameProperty: { description: 'the feature property that names each zone (default name; else 区域1, 区域2, …)' },
          crs: { description: 'the coordinate system, when the file does not say it (e.g. EPSG:4490)' },
          encoding: { description: 'the text encoding of a Shapefile’s attributes, when it does not say it' },
          file: { description: 'GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or CSV with WKT', binary: true },
        }),
        response: { 201: ZoneList },
      },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      if (!request.isMultipart()) throw badRequest('send multipart/form-data with a GIS file', { field: 'file' })
      const fields: Record<string, string> = {}
      let file: { bytes: Buffer; name: string } | null = null
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer()
          if (part.file.truncated) throw new HttpProblem(413, 'Content Too Large', `the file is larger than ${ZONE_FILE_LIMITS.bytes / 1024 / 1024} MB`, { field: 'file' })
          file = { bytes, name: part.filename || 'upload' }
        } else {
          fields[part.fieldname] = String(part.value)
        }
      }
      if (file === null) throw badRequest('no file in the upload', { field: 'file' })
      const zoneType = (fields.zoneType ?? 'rectification_area') as ZoneType
      if (!ZONE_TYPES.includes(zoneType)) throw badRequest(`zoneType: ${zoneType} is not one of ${ZONE_TYPES.join(', ')}`, { field: 'zoneType' })
      const { features } = await readFeaturesFile(file.bytes, file.name, {
        maxFeatures: ZONE_FILE_LIMITS.features,
        ...(fields.crs ? { crs: fields.crs } : {}),
        ...(fields.encoding ? { encoding: fields.encoding } : {}),
      })
      const inputs = zonesFromFeatures(features, zoneType, fields.nameProperty || 'name')
      const items = await createZones(db, inputs, user.id, scope)
      return reply.code(201).send({ items })
    },
  )

  app.get(
    '/api/zones/:id',
    { config: { access: { roles: READERS } }, schema: { tags: ['planning'], summary: 'One zone; ETag = version', params: IdParams, response: { 200: Zone } } },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const z = await getZone(db, request.params.id, scope)
      if (!z) throw notFound(`no zone ${request.params.id}`)
      return reply.header('etag', etagOf(z.version)).send(z)
    },
  )

  app.patch(
    '/api/zones/:id',
    {
      config: { access: { roles: PLANNERS } },
      schema: { tags: ['planning'], summary: 'Edit or redraw a zone; needs If-Match', params: IdParams, body: PatchZoneBody, response: { 200: Zone } },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'zone')
      const z = await editZone(db, request.params.id, scope, version, request.body, user.id)
      if (!z) throw notFound(`no zone ${request.params.id}`)
      return reply.header('etag', etagOf(z.version)).send(z)
    },
  )

  app.delete(
    '/api/zones/:id',
    {
      config: { access: { roles: PLANNERS } },
      schema: { tags: ['planning'], summary: 'Delete a zone; needs If-Match; its history stays', params: IdParams, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const { user, scope } = principalOf(request)
      const version = ifMatchVersion(request.headers['if-match'], 'zone')
      if (!(await deleteZone(db, request.params.id, scope, version, user.id))) throw notFound(`no zone ${request.params.id}`)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/zones/:id/history',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['planning'], summary: 'Every change to the zone, oldest first; kept after deletion', params: IdParams, response: { 200: ChangeHistory } },
    },
    async (request) => {
      const { scope } = principalOf(request)
      const history = await zoneHistory(db, request.params.id, scope)
      if (!history) throw notFound(`no zone ${request.params.id}`)
      return { history }
    },
  )

  app.get(
    '/api/zones/:id/statistics',
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['planning'],
        summary: 'The area statistics inside the zone; format=xlsx for a workbook',
        params: IdParams,
        querystring: AreaFormatQuery,
        response: { 200: jsonOrXlsx(AreaStatistics, 'the figures inside the zone') },
      },
    },
    async (request, reply) => {
      const { scope } = principalOf(request)
      const z = await getZone(db, request.params.id, scope)
      if (!z) throw notFound(`no zone ${request.params.id}`)
      const s = await areaStatistics(db, z.geometry, scope, ZONE_LIMITS)
      return sendAreaStatistics(reply, s, request.query.format, `${z.name}范围内统计`)
    },
  )
}
