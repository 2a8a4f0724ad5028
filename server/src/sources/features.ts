// Items of a layer (OGC API Features): bbox, datetime, property equality and CQL2 filters,
// CRS transformation and paging. Every identifier comes from the layer's allow-list; every
// value is a parameter.
import type { Queryable } from '../db/db.ts'
import type { Expr, Literal } from './cql2.ts'
import type { LayerSource, Property, PropertyType } from './layers.ts'
import { inScope } from '../repos/scope.sql.ts'
import type { Scope } from '../domain/scope.ts'
import { InputError } from '../domain/errors.ts'
import type { Feature } from '../schemas/map.schema.ts'

export interface CrsDef {
  uri: string
  srid: number
  /** The authority's axis order is north first (lat/lon, northing/easting): PostGIS gives east first. */
  northFirst: boolean
  title: string
}

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'
/** The district's CGCS2000 3-degree Gauss-Krüger zone (CM 117°E). */
export const LOCAL_GK_SRID = 4548

export const SUPPORTED_CRS: readonly CrsDef[] = [
  { uri: CRS84, srid: 4326, northFirst: false, title: 'WGS 84 lon/lat (CRS84)' },
  { uri: 'http://www.opengis.net/def/crs/EPSG/0/4326', srid: 4326, northFirst: true, title: 'WGS 84 lat/lon' },
  { uri: 'http://www.opengis.net/def/crs/EPSG/0/4490', srid: 4490, northFirst: true, title: 'CGCS2000 lat/lon' },
  { uri: `http://www.opengis.net/def/crs/EPSG/0/${LOCAL_GK_SRID}`, srid: LOCAL_GK_SRID, northFirst: true, title: 'CGCS2000 / 3-degree Gauss-Krüger CM 117E (northing, easting)' },
]

export function findCrs(uri: string): CrsDef | undefined {
  const normal = uri.trim().replace(/^\[|\]$/g, '').replace(/^EPSG:(\d+)$/i, 'http://www.opengis.net/def/crs/EPSG/0/$1').replace(/^https:/, 'http:')
  return SUPPORTED_CRS.find((c) => c.uri === normal)
}

export class QueryError extends InputError {}

export interface ItemsQuery {
  scope: Scope
  /** minx, miny, maxx, maxy in bboxCrs axis order */
  bbox?: [number, number, number, number]
  bboxCrs: CrsDef
  crs: CrsDef
  limit: number
  offset: number
  /** Inclusive range; either end may be open. ISO dates or timestamps. */
  datetime?: { start?: string; end?: string }
  /** property -> raw value from the query string */
  equals: Record<string, string>
  filter?: Expr
  filterCrs: CrsDef
}

export interface ItemsPage {
  features: Feature[]
  numberMatched: number
}


/** Collects parameters and hands back their $n placeholders. */
class Params {
  readonly values: unknown[] = []
  add(v: unknown): string {
    this.values.push(v)
    return `$${this.values.length}`
  }
}

/** A geometry literal in a given CRS, as SQL in the stored SRID (4326, east first). */
function geometryIn(params: Params, geojson: unknown, crs: CrsDef): string {
  const g = `ST_SetSRID(ST_GeomFromGeoJSON(${params.add(JSON.stringify(geojson))}), ${crs.srid})`
  return `ST_Transform(${crs.northFirst ? `ST_FlipCoordinates(${g})` : g}, 4326)`
}

function envelopeIn(params: Params, [a, b, c, d]: [number, number, number, number], crs: CrsDef): string {
  const [x1, y1, x2, y2] = crs.northFirst ? [b, a, d, c] : [a, b, c, d]
  const env = `ST_MakeEnvelope(${params.add(x1)}, ${params.add(y1)}, ${params.add(x2)}, ${params.add(y2)}, ${crs.srid})`
  return crs.srid === 4326 ? env : `ST_Transform(${env}, 4326)`
}

const SQL_TYPE: Record<PropertyType, string> = {
  string: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
}

/** A query-string value, checked against the property's type. */
function parseQueryValue(prop: Property, raw: string): unknown {
  switch (prop.type) {
    case 'integer':
      if (!/^-?\d+$/.test(raw)) throw new QueryError(`${prop.name}=${raw}: expected a whole number`)
      return Number(raw)
    case 'number':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw new QueryError(`${prop.name}=${raw}: expected a number`)
      return Number(raw)
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new QueryError(`${prop.name}=${raw}: expected true or false`)
      return raw === 'true'
    case 'date':
    case 'timestamp':
      if (Number.isNaN(Date.parse(raw))) throw new QueryError(`${prop.name}=${raw}: expected a date such as 2026-03-31`)
      return raw
    default:
      if (prop.enum && !prop.enum.includes(raw)) throw new QueryError(`${prop.name}=${raw}: expected one of ${prop.enum.join(', ')}`)
      return raw
  }
}

function literalValue(prop: Property, lit: Literal): unknown {
  const fits =
    (prop.type === 'string' && lit.type === 'string') ||
    ((prop.type === 'integer' || prop.type === 'number') && lit.type === 'number') ||
    (prop.type === 'boolean' && lit.type === 'boolean') ||
    ((prop.type === 'date' || prop.type === 'timestamp') && (lit.type === 'date' || lit.type === 'timestamp' || lit.type === 'string'))
  if (!fits) throw new QueryError(`property ${prop.name} is a ${prop.type}; it cannot be compared with a ${lit.type}`)
  if (prop.type === 'integer' && !Number.isInteger(lit.value)) throw new QueryError(`property ${prop.name} is a whole number; ${lit.value} is not`)
  if ((prop.type === 'date' || prop.type === 'timestamp') && Number.isNaN(Date.parse(String(lit.value)))) {
    throw new QueryError(`'${lit.value}' is not a date for property ${prop.name}`)
  }
  return lit.value
}

const GEOMETRY_NAMES = new Set(['geometry', 'geom'])
const SPATIAL_SQL = { s_intersects: 'ST_Intersects', s_within: 'ST_Within', s_contains: 'ST_Contains', s_disjoint: 'ST_Disjoint' } as const

export class ItemsSource {
  private readonly byName: Map<string, Property>
  private readonly propsSql: string

  constructor(readonly layer: LayerSource) {
    this.byName = new Map(layer.properties.map((p) => [p.name, p]))
    // Timestamps as UTC RFC 3339 text: identical on both backends whatever the server's time zone.
    this.propsSql = layer.properties
      .map((p) => `'${p.name}', ${p.type === 'timestamp' ? `to_char(${p.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` : p.name}`)
      .join(', ')
  }

  property(name: string): Property {
    const prop = this.byName.get(name)
    if (!prop) throw new QueryError(`unknown property ${name} in collection ${this.layer.id}; queryable properties: ${[...this.byName.keys()].join(', ')}`)
    return prop
  }

  isProperty(name: string): boolean {
    return this.byName.has(name)
  }

  private column(prop: Property, params: Params, value: unknown): [string, string] {
    return [prop.name, `${params.add(value)}::${SQL_TYPE[prop.type]}`]
  }

  private filterSql(e: Expr, params: Params, crs: CrsDef): string {
    switch (e.op) {
      case 'and':
      case 'or':
        return `(${e.args.map((a) => this.filterSql(a, params, crs)).join(e.op === 'and' ? ' AND ' : ' OR ')})`
      case 'not':
        return `(NOT ${this.filterSql(e.arg, params, crs)})`
      case 'compare': {
        const prop = this.property(e.property)
        const [col, val] = this.column(prop, params, literalValue(prop, e.value))
        return `(${col} ${e.comparison} ${val})`
      }
      case 'like': {
        const prop = this.property(e.property)
        if (prop.type !== 'string') throw new QueryError(`LIKE needs a text property; ${prop.name} is a ${prop.type}`)
        return `(${prop.name} ${e.negated ? 'NOT ' : ''}LIKE ${params.add(e.pattern)})`
      }
      case 'between': {
        const prop = this.property(e.property)
        const [col, low] = this.column(prop, params, literalValue(prop, e.low))
        const [, high] = this.column(prop, params, literalValue(prop, e.high))
        return `(${col} ${e.negated ? 'NOT ' : ''}BETWEEN ${low} AND ${high})`
      }
      case 'in': {
        const prop = this.property(e.property)
        const values = e.values.map((v) => this.column(prop, params, literalValue(prop, v))[1])
        return `(${prop.name} ${e.negated ? 'NOT ' : ''}IN (${values.join(', ')}))`
      }
      case 'isNull':
        return `(${this.property(e.property).name} IS ${e.negated ? 'NOT ' : ''}NULL)`
      case 'spatial':
        if (!GEOMETRY_NAMES.has(e.property)) throw new QueryError(`spatial functions apply to the property geometry, not ${e.property}`)
        return `${SPATIAL_SQL[e.fn]}(geom, ${geometryIn(params, e.geometry, crs)})`
    }
  }

  /** WHERE clause shared by the page and its count. */
  private where(q: ItemsQuery, params: Params): string {
    const { layer } = this
    const parts: string[] = []
    parts.push(layer.scopeColumn ? inScope(layer.scopeColumn, params.add(q.scope)) : 'TRUE')
    if (layer.publishedWhere) parts.push(`(${layer.publishedWhere})`)
    if (q.bbox) {
      const env = envelopeIn(params, q.bbox, q.bboxCrs)
      parts.push(`geom && ${env} AND ST_Intersects(geom, ${env})`)
    }
    if (q.datetime) {
      if (!layer.temporal) throw new QueryError(`collection ${layer.id} has no dates; datetime does not apply`)
      if (q.datetime.start) parts.push(`${layer.temporal} >= ${params.add(q.datetime.start)}::timestamptz`)
      if (q.datetime.end) parts.push(`${layer.temporal} <= ${params.add(q.datetime.end)}::timestamptz`)
    }
    for (const [name, raw] of Object.entries(q.equals)) {
      const prop = this.property(name)
      const [col, val] = this.column(prop, params, parseQueryValue(prop, raw))
      parts.push(`${col} = ${val}`)
    }
    if (q.filter) parts.push(this.filterSql(q.filter, params, q.filterCrs))
    return parts.join(' AND ')
  }

  private geometrySql(crs: CrsDef): string {
    const transformed = crs.srid === 4326 ? 'geom' : `ST_Transform(geom, ${crs.srid})`
    return `ST_AsGeoJSON(${crs.northFirst ? `ST_FlipCoordinates(${transformed})` : transformed}, ${crs.srid === LOCAL_GK_SRID ? 3 : 8})`
  }

  async page(db: Queryable, q: ItemsQuery): Promise<ItemsPage> {
    const params = new Params()
    const where = this.where(q, params)
    const countParams = params.values.slice()
    const sql = `SELECT ${this.layer.key} AS id, ${this.geometrySql(q.crs)} AS geometry, json_build_object(${this.propsSql}) AS properties
      FROM ${this.layer.table} WHERE ${where}
      ORDER BY ${this.layer.key} LIMIT ${params.add(q.limit)} OFFSET ${params.add(q.offset)}`
    const [rows, count] = await Promise.all([
      db.query<{ id: string | number; geometry: string; properties: Record<string, unknown> | string }>(sql, params.values),
      db.query<{ n: number }>(`SELECT count(*) AS n FROM ${this.layer.table} WHERE ${where}`, countParams),
    ])
    return {
      numberMatched: count.rows[0]!.n,
      features: rows.rows.map((r) => ({
        type: 'Feature',
        id: r.id,
        geometry: JSON.parse(r.geometry),
        properties: typeof r.properties === 'string' ? JSON.parse(r.properties) : r.properties,
      })),
    }
  }

  async one(db: Queryable, id: string, scope: Scope, crs: CrsDef): Promise<Feature | null> {
    const params = new Params()
    const keyProp = this.byName.get(this.layer.key)!
    if (keyProp.type === 'integer' && !/^\d{1,18}$/.test(id)) return null
    const scopeSql = this.layer.scopeColumn ? `AND ${inScope(this.layer.scopeColumn, params.add(scope))}` : ''
    const r = await db.query<{ id: string | number; geometry: string; properties: Record<string, unknown> | string }>(
      `SELECT ${this.layer.key} AS id, ${this.geometrySql(crs)} AS geometry, json_build_object(${this.propsSql}) AS properties
       FROM ${this.layer.table} WHERE ${this.layer.key} = ${params.add(id)}::${SQL_TYPE[keyProp.type]} ${scopeSql}`,
      params.values,
    )
    const row = r.rows[0]
    if (!row) return null
    return {
      type: 'Feature',
      id: row.id,
      geometry: JSON.parse(row.geometry),
      properties: typeof row.properties === 'string' ? JSON.parse(row.properties) : row.properties,
    }
  }

  /** Spatial and temporal extent of what this scope sees. */
  async extent(db: Queryable, scope: Scope): Promise<{ bbox: [number, number, number, number] | null; interval: [string | null, string | null] | null }> {
    const params = new Params()
    const scopeSql = this.layer.scopeColumn ? `WHERE ${inScope(this.layer.scopeColumn, params.add(scope))}` : ''
    const t = this.layer.temporal
    const asText = (agg: string) => `to_char(${agg}(${t})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
    const r = await db.query<{ w: number | null; s: number; e: number; n: number; t0: string | null; t1: string | null }>(
      `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n, t0, t1 FROM (
         SELECT ST_Extent(geom) AS x, ${t ? asText('min') : 'NULL'} AS t0, ${t ? asText('max') : 'NULL'} AS t1
         FROM ${this.layer.table} ${scopeSql}) q`,
      params.values,
    )
    const row = r.rows[0]!
    return {
      bbox: row.w === null ? null : [row.w, row.s, row.e, row.n],
      interval: t ? [row.t0, row.t1] : null,
    }
  }
}
