// A small GIS file read whole into lon/lat features, through the same readers, zip safety and CRS
// rules as the patch import (formats/): for uploads that are a handful of shapes, such as zones.
// The CRS comes from the file or from the user, never from a guess.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Geometry } from 'geojson'
import { parseCrs, toLonLat, type Crs } from './formats/crs.ts'
import { featureLabel, geometryFaults, GeoJsonRefused, type FaultedItem } from './formats/geojson-check.ts'
import { transformGeometry } from './formats/geometry.ts'
import { FileRefused, openLayer } from './formats/open.ts'

export interface FileFeature {
  properties: Record<string, unknown>
  /** lon/lat; null when the feature has none (or it could not be read). */
  geometry: Geometry | null
}

export interface ReadFeaturesOptions {
  /** The user's CRS ('EPSG:4548', 'GCJ-02'): needed when the file does not say (a .shp without .prj, CSV). */
  crs?: string
  encoding?: string
  maxFeatures: number
}

/**
 * Reads the file's first layer. Throws FileRefused (a 4xx for the caller) for anything unreadable,
 * GeoJsonRefused naming every feature whose GeoJSON is malformed (read to the end, so all are named).
 */
export async function readFeaturesFile(bytes: Buffer, fileName: string, opts: ReadFeaturesOptions): Promise<{ crs: Crs; features: FileFeature[] }> {
  const userCrs = opts.crs ? parseCrs(opts.crs) : null
  if (opts.crs && !userCrs) throw new FileRefused('unknown_crs', `无法识别坐标系 ${opts.crs}`, `unknown CRS ${opts.crs}`, 400, 'crs')
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-upload-'))
  try {
    // our own name on disk: the user's name only tells the format
    const path = join(dir, `upload${/\.[a-z0-9]{1,8}$/i.exec(basename(fileName))?.[0] ?? ''}`)
    writeFileSync(path, bytes)
    const opened = await openLayer(path, fileName, opts.encoding ? { encoding: opts.encoding } : {})
    try {
      const crs = userCrs ?? opened.layer.crs
      if (!crs) {
        throw new FileRefused('crs_required', '文件未说明坐标系，请选择坐标系后重新上传', 'the file does not say its coordinate system; choose one (crs) and upload again', 400, 'crs')
      }
      const toStored = toLonLat(crs)
      const features: FileFeature[] = []
      const malformed: FaultedItem[] = []
      for await (const f of opened.layer.features()) {
        if (features.length >= opts.maxFeatures) {
          throw new FileRefused('too_many_features', `文件要素超过 ${opts.maxFeatures} 个`, `the file has more than ${opts.maxFeatures} features`, 413)
        }
        const featureNo = features.length + 1
        const faults = f.error?.faults ?? (f.geometry && !f.wellFormed ? geometryFaults(f.geometry) : [])
        if (faults.length > 0) malformed.push({ label: featureLabel(featureNo, f), featureNo, faults })
        features.push({ properties: f.properties, geometry: f.geometry && faults.length === 0 ? transformGeometry(f.geometry, toStored) : null })
      }
      if (malformed.length > 0) throw new GeoJsonRefused(malformed, 'file')
      if (features.length === 0) throw new FileRefused('empty_layer', '文件中没有要素', 'the file has no features')
      return { crs, features }
    } finally {
      opened.dispose()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
