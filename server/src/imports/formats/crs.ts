// The coordinate systems users bring (shared/DOMAIN.md): WGS84, CGCS2000 geographic (EPSG:4490),
// CGCS2000 3-degree Gauss-Krüger zones with (EPSG:4513-4533) and without (4534-4554) the zone
// prefix, and GCJ-02 when the user says so. Definitions come from epsg-index, projection from
// proj4, GCJ-02 from gcoord. Anything else is refused: a CRS is never guessed.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import gcoordModule from 'gcoord'
import proj4 from 'proj4'

const require = createRequire(import.meta.url)

export type CrsCode = `EPSG:${number}` | 'GCJ-02'

export interface Crs {
  code: CrsCode
  name: string
  kind: 'geographic' | 'projected'
  /** EPSG number; undefined for GCJ-02. */
  epsg?: number
}

interface EpsgEntry { code: string; name: string; wkt: string; proj4: string }

// gcoord's types describe an ES default export; under Node's CommonJS interop the default is the
// module object itself, which carries transform, GCJ02 and WGS84.
const gcoord = gcoordModule as unknown as typeof gcoordModule.default

const GK_PREFIXED = { first: 4513, last: 4533, firstZone: 25 } // zone 25 = CM 75°E, easting + zone × 1e6
const GK_PLAIN = { first: 4534, last: 4554, firstCm: 75 }
// CGCS2000 is stored as WGS84 (equal at metre level): project onto the GRS80 ellipsoid and read the
// degrees as they are, so proj4 applies no datum shift.
const LONLAT = '+proj=longlat +ellps=GRS80 +no_defs'

export function isSupportedEpsg(n: number): boolean {
  return n === 4326 || n === 4490 || (n >= GK_PREFIXED.first && n <= GK_PLAIN.last)
}

const entries = new Map<number, EpsgEntry>()
function epsgEntry(n: number): EpsgEntry {
  let e = entries.get(n)
  if (!e) {
    const file = require.resolve(`epsg-index/s/${n}.json`)
    e = JSON.parse(readFileSync(file, 'utf8')) as EpsgEntry
    entries.set(n, e)
  }
  return e
}

export const GCJ02: Crs = { code: 'GCJ-02', name: 'GCJ-02 (火星坐标, Chinese web maps)', kind: 'geographic' }

export function crsOfEpsg(n: number): Crs | null {
  if (!isSupportedEpsg(n)) return null
  return { code: `EPSG:${n}`, name: epsgEntry(n).name, kind: n === 4326 || n === 4490 ? 'geographic' : 'projected', epsg: n }
}

/** 'EPSG:4548', '4548', 'urn:ogc:def:crs:EPSG::4548', 'CRS84', 'GCJ-02' / 'GCJ02' → a supported CRS or null. */
export function parseCrs(raw: string): Crs | null {
  const s = raw.trim()
  if (/^gcj[-_ ]?02$/i.test(s)) return GCJ02
  if (/^(urn:ogc:def:crs:OGC:(1\.3|):)?CRS84$/i.test(s) || /opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84$/i.test(s)) return crsOfEpsg(4326)
  const m = /^(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[0-9.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)?([0-9]{4,6})$/i.exec(s)
  return m ? crsOfEpsg(Number(m[1])) : null
}

/** The CRS a WKT (.prj, ESRI or OGC flavour, or GeoPackage definition) describes, or null. */
export function crsFromWkt(wkt: string): Crs | null {
  const text = wkt.trim()
  // OGC WKT ends with the authority of the whole CRS.
  const auth = /AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?([0-9]+)"?\s*\]\s*\]\s*$/i.exec(text) ?? /\bID\s*\[\s*"EPSG"\s*,\s*([0-9]+)\s*\]\s*\]\s*$/i.exec(text)
  if (auth) return crsOfEpsg(Number(auth[1]))
  const datum = /DATUM\s*\[\s*"([^"]*)"/i.exec(text)?.[1]?.toLowerCase() ?? ''
  const cgcs = /china.?2000|cgcs.?2000|china geodetic coordinate system 2000/.test(datum)
  const wgs = /wgs.?(19)?84/.test(datum)
  const projected = /^PROJCS|^PROJCRS/i.test(text)
  if (!projected) return cgcs ? crsOfEpsg(4490) : wgs ? crsOfEpsg(4326) : null
  if (!cgcs) return null // Beijing 1954, Xi'an 1980 and WGS84 UTM are not among the CRSs we place
  if (!/PROJECTION\s*\[\s*"(Transverse_Mercator|Gauss_Kruger)"/i.test(text)) return null
  const param = (name: string) => {
    const m = new RegExp(`PARAMETER\\s*\\[\\s*"${name}"\\s*,\\s*(-?[0-9.eE+]+)`, 'i').exec(text)
    return m ? Number(m[1]) : undefined
  }
  const cm = param('central_meridian')
  const fe = param('false_easting')
  const k = param('scale_factor') ?? 1
  const lat0 = param('latitude_of_origin') ?? 0
  const fn = param('false_northing') ?? 0
  if (cm === undefined || fe === undefined || k !== 1 || lat0 !== 0 || fn !== 0) return null
  if (cm % 3 !== 0 || cm < 75 || cm > 135) return null
  if (fe === 500000) return crsOfEpsg(GK_PLAIN.first + (cm - GK_PLAIN.firstCm) / 3)
  const zone = cm / 3
  if (fe === zone * 1e6 + 500000) return crsOfEpsg(GK_PREFIXED.first + zone - GK_PREFIXED.firstZone)
  return null
}

/** OGC WKT of a CRS, for a .prj or a GeoPackage srs definition. GCJ-02 has none. */
export function crsWkt(crs: Crs): string {
  if (crs.epsg === undefined) throw new Error('GCJ-02 has no WKT definition; write it as WGS84 coordinates instead')
  return epsgEntry(crs.epsg).wkt
}

export type PointTransform = (x: number, y: number) => [number, number]

const identity: PointTransform = (x, y) => [x, y]

/** From the CRS's coordinates (x = easting/longitude) to stored lon/lat. */
export function toLonLat(crs: Crs): PointTransform {
  if (crs.code === 'GCJ-02') {
    return (x, y) => {
      const [lon, lat] = gcoord.transform([x, y], gcoord.GCJ02, gcoord.WGS84) as [number, number]
      return [lon, lat]
    }
  }
  if (crs.kind === 'geographic') return identity
  const converter = proj4(epsgEntry(crs.epsg!).proj4, LONLAT)
  return (x, y) => converter.forward([x, y]) as [number, number]
}

/** From stored lon/lat to the CRS's coordinates. */
export function fromLonLat(crs: Crs): PointTransform {
  if (crs.code === 'GCJ-02') {
    return (lon, lat) => {
      const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number]
      return [x, y]
    }
  }
  if (crs.kind === 'geographic') return identity
  const converter = proj4(LONLAT, epsgEntry(crs.epsg!).proj4)
  return (lon, lat) => converter.forward([lon, lat]) as [number, number]
}

/** Mainland China, Hainan and the South China Sea islands, generously: what a patch can lie in. */
export const CHINA_BOUNDS = { west: 73, south: 3, east: 136, north: 54 } as const

export function inChina(lon: number, lat: number): boolean {
  return lon >= CHINA_BOUNDS.west && lon <= CHINA_BOUNDS.east && lat >= CHINA_BOUNDS.south && lat <= CHINA_BOUNDS.north
}

/** Every code the importer accepts, for messages and the API docs. */
export const SUPPORTED_CRS_TEXT = 'EPSG:4326, EPSG:4490, EPSG:4513–4554 (CGCS2000 3° Gauss-Krüger), GCJ-02'
