// OGC API - Features (Part 1 core, GeoJSON, HTML; Part 2 CRS; Part 3 CQL2-text filters) at /ogc,
// for QGIS, GDAL and ArcGIS to read the same data the map shows. Tiles are in tiles.route.ts.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { badRequest, notFound } from '../http/problem.ts'
import { parseCql2Text } from '../sources/cql2.ts'
import { CRS84, findCrs, ItemsSource, SUPPORTED_CRS, type CrsDef, type ItemsQuery } from '../sources/features.ts'
import { LAYERS, type LayerSource } from '../sources/layers.ts'
import { htmlPage, escapeHtml } from '../http/html.ts'
import type { Scope } from '../domain/scope.ts'
import {
  Collection, Collections, Conformance, Feature, FeatureCollection, FeatureItem, Landing, Queryables, type Link, type QueryableProperty,
} from '../schemas/map.schema.ts'

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 10_000

const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
]

const ITEM_PARAMS = new Set(['f', 'bbox', 'bbox-crs', 'crs', 'limit', 'offset', 'datetime', 'filter', 'filter-lang', 'filter-crs'])

type Format = 'json' | 'html'

/** ?f= wins; otherwise a browser asking for HTML gets HTML, everyone else JSON. */
function formatOf(request: FastifyRequest, allowed: readonly string[] = ['json', 'html']): Format {
  const f = (request.query as Record<string, unknown>).f
  if (f !== undefined) {
    if (typeof f !== 'string' || !allowed.includes(f)) throw badRequest(`f=${String(f)} is not offered; use one of ${allowed.join(', ')}`)
    return f === 'html' ? 'html' : 'json'
  }
  const accept = request.headers.accept ?? ''
  return /text\/html/.test(accept) && !/application\/(geo\+)?json/.test(accept) ? 'html' : 'json'
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function link(href: string, rel: string, type: string, title?: string): Link {
  return title ? { href, rel, type, title } : { href, rel, type }
}

/** A 200 that is JSON (of the given media type) or, asked for with f=html or Accept, an HTML page. */
function jsonOrHtml(description: string, schema: TSchema, jsonType = 'application/json') {
  return { description, content: { [jsonType]: { schema }, 'text/html': { schema: Type.String({ description: 'the same as an HTML page' }) } } }
}

function parseNumberList(name: string, raw: string, count: number): number[] {
  const parts = raw.split(',')
  if (parts.length !== count) throw badRequest(`${name} takes ${count} comma-separated numbers; got ${parts.length}`)
  return parts.map((p) => {
    const n = Number(p)
    if (p.trim() === '' || !Number.isFinite(n)) throw badRequest(`${name}: '${p}' is not a number`)
    return n
  })
}

function parseBbox(raw: string, crs: CrsDef): [number, number, number, number] {
  if (raw.split(',').length === 6) throw badRequest('bbox: 3D boxes (6 numbers) are not supported; give minx,miny,maxx,maxy')
  const b = parseNumberList('bbox', raw, 4) as [number, number, number, number]
  const [a, c] = [b[0], b[2]]
  const [bb, d] = [b[1], b[3]]
  if (a > c || bb > d) throw badRequest(`bbox ${raw} is inverted: the lower corner comes first (minx,miny,maxx,maxy)`)
  if (crs.srid === 4326 || crs.srid === 4490) {
    const [lonMin, latMin, lonMax, latMax] = crs.northFirst ? [bb, a, d, c] : [a, bb, c, d]
    if (lonMin < -180 || lonMax > 180 || latMin < -90 || latMax > 90) {
      throw badRequest(`bbox ${raw} is outside the range of ${crs.title}: longitude -180..180, latitude -90..90${crs.northFirst ? ' (latitude first in this CRS)' : ''}`)
    }
  }
  return b
}

function parseDatetime(raw: string): { start?: string; end?: string } {
  const check = (v: string) => {
    if (!/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw badRequest(`datetime: '${v}' is not an RFC 3339 date or date-time (e.g. 2026-03-31 or 2026-03-31T08:00:00Z)`)
    }
    return v
  }
  const dayEnd = (v: string) => (v.length === 10 ? `${v}T23:59:59.999Z` : v)
  const dayStart = (v: string) => (v.length === 10 ? `${v}T00:00:00Z` : v)
  const parts = raw.split('/')
  if (parts.length === 1) {
    const v = check(parts[0]!)
    return { start: dayStart(v), end: dayEnd(v) }
  }
  if (parts.length !== 2) throw badRequest('datetime: give an instant or an interval start/end (.. for an open end)')
  const [s, e] = parts as [string, string]
  const open = (v: string) => v === '..' || v === ''
  if (open(s) && open(e)) throw badRequest('datetime: an interval needs at least one end')
  const start = open(s) ? undefined : dayStart(check(s))
  const end = open(e) ? undefined : dayEnd(check(e))
  if (start && end && Date.parse(start) > Date.parse(end)) throw badRequest(`datetime ${raw}: the start is after the end`)
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) }
}

function crsParam(name: string, raw: unknown): CrsDef {
  if (raw === undefined) return findCrs(CRS84)!
  const crs = typeof raw === 'string' ? findCrs(raw) : undefined
  if (!crs) throw badRequest(`${name}=${String(raw)} is not supported; use one of ${SUPPORTED_CRS.map((c) => c.uri).join(', ')}`)
  return crs
}

function intParam(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || n < min || n > max) {
    throw badRequest(`${name}=${String(raw)}: expected a whole number from ${min} to ${max}`)
  }
  return n
}

function buildItemsQuery(source: ItemsSource, query: Record<string, unknown>, scope: Scope): ItemsQuery {
  const equals: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (ITEM_PARAMS.has(key)) {
      if (typeof value !== 'string') throw badRequest(`${key} is given more than once`)
      continue
    }
    if (!source.isProperty(key)) {
      throw badRequest(`unknown parameter ${key}; parameters are ${[...ITEM_PARAMS].join(', ')} and the queryable properties of ${source.layer.id}`)
    }
    if (typeof value !== 'string') throw badRequest(`${key} is given more than once`)
    equals[key] = value
  }
  const bboxCrs = crsParam('bbox-crs', query['bbox-crs'])
  let filter
  if (query.filter !== undefined) {
    const lang = query['filter-lang'] ?? 'cql2-text'
    if (lang !== 'cql2-text') throw badRequest(`filter-lang=${String(lang)} is not supported; use cql2-text`)
    filter = parseCql2Text(String(query.filter))
  }
  return {
    scope,
    ...(query.bbox !== undefined ? { bbox: parseBbox(String(query.bbox), bboxCrs) } : {}),
    bboxCrs,
    crs: crsParam('crs', query.crs),
    limit: intParam('limit', query.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: intParam('offset', query.offset, 0, 0, 100_000_000),
    ...(query.datetime !== undefined ? { datetime: parseDatetime(String(query.datetime)) } : {}),
    equals,
    ...(filter ? { filter } : {}),
    filterCrs: crsParam('filter-crs', query['filter-crs']),
  }
}

/** Query string of this request with some parameters replaced: for paging links. */
function withParams(request: FastifyRequest, changes: Record<string, string | undefined>): string {
  const url = new URL(request.url, baseUrl(request))
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) url.searchParams.delete(k)
    else url.searchParams.set(k, v)
  }
  return `${baseUrl(request)}${url.pathname}${url.search}`
}

export const ogcRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const sources = new Map(LAYERS.map((l) => [l.id, new ItemsSource(l)]))
  const access = { access: { roles: READERS } }
  const sourceOf = (id: string) => {
    const s = sources.get(id)
    if (!s) throw notFound(`no collection ${id}; collections: ${[...sources.keys()].join(', ')}`)
    return s
  }

  const send = (reply: FastifyReply, format: Format, json: unknown, html: () => string, jsonType = 'application/json') =>
    format === 'html' ? reply.type('text/html; charset=utf-8').send(html()) : reply.type(jsonType).send(json)

  app.get('/ogc', { config: access, schema: { tags: ['ogc'], summary: 'OGC API landing page', response: { 200: jsonOrHtml('the landing page', Landing) } } }, async (request, reply) => {
    const base = baseUrl(request)
    const body: Landing = {
      title: 'chaiwei 拆违 OGC API',
      description: 'Parcels, buildings, the violation ledger, satellite-change patches and zones as OGC API Features and Tiles.',
      links: [
        link(`${base}/ogc`, 'self', 'application/json', 'this document'),
        link(`${base}/ogc?f=html`, 'alternate', 'text/html', 'this document as HTML'),
        link(`${base}/api/openapi.json`, 'service-desc', 'application/vnd.oai.openapi+json;version=3.0', 'the API definition'),
        link(`${base}/docs`, 'service-doc', 'text/html', 'the API documentation'),
        link(`${base}/ogc/conformance`, 'conformance', 'application/json', 'conformance classes'),
        link(`${base}/ogc/collections`, 'data', 'application/json', 'collections'),
        link(`${base}/ogc/tileMatrixSets`, 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes', 'application/json', 'tile matrix sets'),
      ],
    }
    return send(reply, formatOf(request), body, () =>
      htmlPage(body.title, `<p>${escapeHtml(body.description)}</p><ul><li><a href="/ogc/collections?f=html">集合 Collections</a></li><li><a href="/ogc/conformance?f=html">一致性 Conformance</a></li><li><a href="/docs">API 文档</a></li></ul>`),
    )
  })

  app.get('/ogc/conformance', { config: access, schema: { tags: ['ogc'], summary: 'Conformance classes', response: { 200: jsonOrHtml('the conformance classes', Conformance) } } }, async (request, reply) =>
    send(reply, formatOf(request), { conformsTo: CONFORMANCE }, () =>
      htmlPage('Conformance', `<ul>${CONFORMANCE.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`),
    ),
  )

  const collectionJson = async (request: FastifyRequest, layer: LayerSource): Promise<Collection> => {
    const base = baseUrl(request)
    const extent = await sources.get(layer.id)!.extent(db, principalOf(request).scope)
    const self = `${base}/ogc/collections/${layer.id}`
    return {
      id: layer.id,
      title: layer.title,
      description: layer.description,
      itemType: 'feature',
      crs: SUPPORTED_CRS.map((c) => c.uri),
      storageCrs: CRS84,
      extent: {
        spatial: { bbox: extent.bbox ? [extent.bbox] : [], crs: CRS84 },
        ...(extent.interval ? { temporal: { interval: [extent.interval], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } } : {}),
      },
      links: [
        link(self, 'self', 'application/json', 'this collection'),
        link(`${self}?f=html`, 'alternate', 'text/html', 'this collection as HTML'),
        link(`${self}/items`, 'items', 'application/geo+json', 'the features'),
        link(`${self}/items?f=html`, 'items', 'text/html', 'the features as HTML'),
        link(`${self}/queryables`, 'http://www.opengis.net/def/rel/ogc/1.0/queryables', 'application/schema+json', 'queryable properties'),
        link(`${self}/tiles`, 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector', 'application/json', 'vector tilesets'),
      ],
    }
  }

  app.get('/ogc/collections', { config: access, schema: { tags: ['ogc'], summary: 'The published collections', response: { 200: jsonOrHtml('the collections', Collections) } } }, async (request, reply) => {
    const base = baseUrl(request)
    const collections = await Promise.all(LAYERS.map((l) => collectionJson(request, l)))
    const body: Collections = {
      links: [link(`${base}/ogc/collections`, 'self', 'application/json'), link(`${base}/ogc/collections?f=html`, 'alternate', 'text/html')],
      collections,
    }
    return send(reply, formatOf(request), body, () =>
      htmlPage(
        '集合 Collections',
        `<table><tr><th>id</th><th>名称</th><th>说明</th></tr>${collections
          .map((c) => `<tr><td><a href="/ogc/collections/${c.id}/items?f=html">${escapeHtml(c.id)}</a></td><td>${escapeHtml(c.title)}</td><td>${escapeHtml(c.description)}</td></tr>`)
          .join('')}</table>`,
      ),
    )
  })

  const CollectionParams = Type.Object({ collectionId: Type.String() })

  app.get(
    '/ogc/collections/:collectionId',
    { config: access, schema: { tags: ['ogc'], summary: 'One collection', params: CollectionParams, response: { 200: jsonOrHtml('the collection', Collection) } } },
    async (request, reply) => {
    const source = sourceOf(request.params.collectionId)
    const body = await collectionJson(request, source.layer)
    return send(reply, formatOf(request), body, () =>
      htmlPage(body.title, `<p>${escapeHtml(body.description)}</p><p><a href="/ogc/collections/${body.id}/items?f=html">要素 Items</a></p>`),
    )
  },
  )

  app.get(
    '/ogc/collections/:collectionId/queryables',
    {
      config: access,
      schema: {
        tags: ['ogc'],
        summary: 'Properties a filter may name',
        params: CollectionParams,
        response: { 200: { description: 'the queryables, a JSON Schema', content: { 'application/schema+json': { schema: Queryables } } } },
      },
    },
    async (request, reply) => {
      const source = sourceOf(request.params.collectionId)
      const jsonType = { string: 'string', integer: 'integer', number: 'number', boolean: 'boolean', date: 'string', timestamp: 'string' } as const
      const properties: Record<string, QueryableProperty> = {
        geometry: { $ref: 'https://geojson.org/schema/Geometry.json', title: '几何' },
      }
      for (const p of source.layer.properties) {
        properties[p.name] = {
          title: p.title,
          type: jsonType[p.type],
          ...(p.type === 'date' ? { format: 'date' } : p.type === 'timestamp' ? { format: 'date-time' } : {}),
          ...(p.enum ? { enum: [...p.enum] } : {}),
        }
      }
      const body: Queryables = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${baseUrl(request)}/ogc/collections/${source.layer.id}/queryables`,
        type: 'object',
        title: source.layer.title,
        properties,
        additionalProperties: false,
      }
      return reply.type('application/schema+json').send(body)
    },
  )

  app.get(
    '/ogc/collections/:collectionId/items',
    {
      config: access,
      schema: {
        tags: ['ogc'],
        summary: 'Features of a collection',
        description: `bbox, bbox-crs, crs, limit (1..${MAX_LIMIT}, default ${DEFAULT_LIMIT}), offset, datetime, filter (cql2-text), filter-crs, and property=value for any queryable property.`,
        params: CollectionParams,
        querystring: Type.Object(
          {
            f: Type.Optional(Type.String({ description: 'json, geojson or html' })),
            bbox: Type.Optional(Type.String()),
            'bbox-crs': Type.Optional(Type.String()),
            crs: Type.Optional(Type.String()),
            limit: Type.Optional(Type.String({ description: `1 to ${MAX_LIMIT}` })),
            offset: Type.Optional(Type.String()),
            datetime: Type.Optional(Type.String()),
            filter: Type.Optional(Type.String()),
            'filter-lang': Type.Optional(Type.String()),
            'filter-crs': Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
        response: { 200: jsonOrHtml('a page of features (GeoJSON) with paging links', FeatureCollection, 'application/geo+json') },
      },
    },
    async (request, reply) => {
      const source = sourceOf(request.params.collectionId)
      const query = request.query as Record<string, unknown>
      const format = formatOf(request, ['json', 'geojson', 'html'])
      const q = buildItemsQuery(source, query, principalOf(request).scope)
      const page = await source.page(db, q)
      const links = [
        link(withParams(request, {}), 'self', 'application/geo+json', 'this page'),
        link(withParams(request, { f: 'html' }), 'alternate', 'text/html', 'this page as HTML'),
      ]
      if (q.offset + page.features.length < page.numberMatched) {
        links.push(link(withParams(request, { offset: String(q.offset + q.limit), f: undefined }), 'next', 'application/geo+json', 'next page'))
      }
      if (q.offset > 0) {
        links.push(link(withParams(request, { offset: String(Math.max(0, q.offset - q.limit)), f: undefined }), 'prev', 'application/geo+json', 'previous page'))
      }
      reply.header('content-crs', `<${q.crs.uri}>`)
      const body: FeatureCollection = {
        type: 'FeatureCollection',
        numberMatched: page.numberMatched,
        numberReturned: page.features.length,
        timeStamp: new Date().toISOString(),
        links,
        features: page.features,
      }
      return send(reply, format, body, () => itemsHtml(source.layer, page.features, page.numberMatched, q.offset, links), 'application/geo+json')
    },
  )

  app.get(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      config: access,
      schema: {
        tags: ['ogc'],
        summary: 'One feature',
        params: Type.Object({ collectionId: Type.String(), featureId: Type.String() }),
        querystring: Type.Object({ f: Type.Optional(Type.String()), crs: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: { 200: jsonOrHtml('the feature (GeoJSON) with its links', FeatureItem, 'application/geo+json') },
      },
    },
    async (request, reply) => {
      const source = sourceOf(request.params.collectionId)
      const crs = crsParam('crs', request.query.crs)
      const format = formatOf(request, ['json', 'geojson', 'html'])
      const feature = await source.one(db, request.params.featureId, principalOf(request).scope, crs)
      if (!feature) throw notFound(`no feature ${request.params.featureId} in collection ${source.layer.id}`)
      const self = `${baseUrl(request)}/ogc/collections/${source.layer.id}/items/${encodeURIComponent(String(feature.id))}`
      reply.header('content-crs', `<${crs.uri}>`)
      const body: FeatureItem = {
        ...feature,
        links: [
          link(self, 'self', 'application/geo+json'),
          link(`${self}?f=html`, 'alternate', 'text/html'),
          link(`${baseUrl(request)}/ogc/collections/${source.layer.id}`, 'collection', 'application/json'),
        ],
      }
      return send(reply, format, body, () => itemsHtml(source.layer, [feature], 1, 0, []), 'application/geo+json')
    },
  )
}

function itemsHtml(layer: LayerSource, features: Feature[], matched: number, offset: number, links: { href: string; rel: string }[]): string {
  const head = layer.properties.map((p) => `<th title="${escapeHtml(p.name)}">${escapeHtml(p.title)}</th>`).join('')
  const rows = features
    .map((f) => `<tr>${layer.properties.map((p) => `<td>${escapeHtml(f.properties[p.name] ?? '')}</td>`).join('')}</tr>`)
    .join('')
  const nav = links
    .filter((l) => l.rel === 'next' || l.rel === 'prev')
    .map((l) => `<a href="${escapeHtml(l.href)}&f=html">${l.rel === 'next' ? '下一页 next' : '上一页 previous'}</a>`)
    .join(' ')
  return htmlPage(
    `${layer.title} (${layer.id})`,
    `<p>共 ${matched} 个要素，显示第 ${matched ? offset + 1 : 0}–${offset + features.length} 个。 ${nav}</p><table><tr>${head}</tr>${rows}</table>`,
  )
}
