// Coordinates for the readout: CGCS2000 geographic (EPSG:4490) and the district's
// CGCS2000 3-degree Gauss-Krüger zone (EPSG:4548, central meridian 117°E, no zone prefix).
//
// CGCS2000 and WGS 84 differ by centimetres: map coordinates (WGS 84 / Web Mercator) are read as
// CGCS2000 numerically, as everywhere else in the project. GRS80, the ellipsoid proj4 is given
// for EPSG:4548, differs from the CGCS2000 ellipsoid by 0.1 mm in the semi-minor axis.
import proj4 from 'proj4'

export const GK_EPSG = 4548
export const GK_CENTRAL_MERIDIAN = 117
const GK_DEF = '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const toGk = proj4('+proj=longlat +ellps=GRS80 +no_defs', GK_DEF)

/** Gauss-Krüger coordinates by the Chinese surveying convention: X is the northing, Y the easting. */
export interface GaussKruger {
  /** northing, metres from the equator */
  x: number
  /** easting, metres, 500 000 on the central meridian */
  y: number
}

export function toGaussKruger(lon: number, lat: number): GaussKruger {
  const [easting, northing] = toGk.forward([lon, lat]) as [number, number]
  return { x: northing, y: easting }
}

/** `lon`, `lat` with 6 decimals (about 0.1 m): what the readout shows. */
export function formatDegrees(v: number): string {
  return v.toFixed(6)
}

/** Metres with 2 decimals and no grouping, as surveyors write them. */
export function formatMetres(v: number): string {
  return v.toFixed(2)
}
