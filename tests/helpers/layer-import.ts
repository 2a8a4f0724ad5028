// Uploading, polling and committing reference-layer imports (docs/api-onboarding.md), and a small
// synthetic district to load: a 6-digit boundary, two towns, four villages, on an exact grid.
import assert from 'node:assert/strict'
import type { Feature, Geometry } from 'geojson'
import { multipartBody } from '../fixtures/patches/canonical.ts'
import type { TestApp } from './app.ts'

export const W = 116.0
export const S = 39.7
export const E = 116.2
export const N = 39.8
const MID_X = 116.1
const MID_Y = 39.75

export const rect = (w: number, s: number, e: number, n: number): Geometry => ({
  type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
})

export const feature = (properties: Record<string, unknown>, geometry: Geometry | null): Feature => ({ type: 'Feature', properties, geometry: geometry as Geometry })

export const geojson = (features: Feature[]) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }))

export const DISTRICT_FEATURE = feature({ XZQDM: '110111', XZQMC: '房山区' }, rect(W, S, E, N))
/** Towns split the district west/east; villages split each town south/north. */
export const UNIT_FEATURES: Feature[] = [
  feature({ XZQDM: '110111001', XZQMC: '西镇', LX: '镇' }, rect(W, S, MID_X, N)),
  feature({ XZQDM: '110111002', XZQMC: '东街道', LX: '街道' }, rect(MID_X, S, E, N)),
  feature({ XZQDM: '110111001001', XZQMC: '南村', LX: '村' }, rect(W, S, MID_X, MID_Y)),
  feature({ XZQDM: '110111001002', XZQMC: '北村', LX: '村' }, rect(W, MID_Y, MID_X, N)),
  feature({ XZQDM: '110111002001', XZQMC: '南社区', LX: '社区' }, rect(MID_X, S, E, MID_Y)),
  feature({ XZQDM: '110111002002', XZQMC: '北社区', LX: '社区' }, rect(MID_X, MID_Y, E, N)),
]

export class LayerClient {
  constructor(readonly t: TestApp, readonly cookie: string) {}

  async upload(layer: string, fileName: string, bytes: Buffer, fields: Record<string, string> = {}, cookie = this.cookie) {
    const { payload, headers } = multipartBody({ layer, ...fields }, { name: fileName, bytes })
    return this.t.app.inject({ method: 'POST', url: '/api/layer-imports', payload, headers: { ...headers, cookie } })
  }

  async get(id: string, cookie = this.cookie) {
    return this.t.app.inject({ url: `/api/layer-imports/${id}`, headers: { cookie } })
  }

  /** Polls until the import leaves reading/committing. */
  async settle(id: string): Promise<ImportView> {
    for (let i = 0; i < 6000; i++) {
      const res = await this.get(id)
      assert.equal(res.statusCode, 200, res.body)
      const v = res.json() as ImportView
      if (v.state !== 'reading' && v.state !== 'committing') return v
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`import ${id} did not settle`)
  }

  /** Uploads and waits until staged (or whatever it ends in). */
  async stage(layer: string, fileName: string, bytes: Buffer, fields: Record<string, string> = {}): Promise<ImportView> {
    const res = await this.upload(layer, fileName, bytes, fields)
    assert.equal(res.statusCode, 202, res.body.slice(0, 800))
    return this.settle(res.json().id)
  }

  async commit(id: string, body: Record<string, unknown>) {
    return this.t.app.inject({ method: 'POST', url: `/api/layer-imports/${id}/commit`, headers: { cookie: this.cookie }, payload: body })
  }

  /** Commits and waits for the outcome. */
  async commitDone(id: string, body: Record<string, unknown>): Promise<ImportView> {
    const res = await this.commit(id, body)
    assert.equal(res.statusCode, 202, res.body.slice(0, 800))
    return this.settle(id)
  }

  /** Stage and commit in one go; asserts a clean staging and a committed end. */
  async load(layer: string, fileName: string, bytes: Buffer, mode: 'replace' | 'append' = 'replace', fields: Record<string, string> = {}): Promise<ImportView> {
    const staged = await this.stage(layer, fileName, bytes, fields)
    assert.equal(staged.state, 'staged', JSON.stringify(staged.error ?? staged.problems.slice(0, 5)))
    assert.equal(staged.problemCount, 0, JSON.stringify(staged.problems.slice(0, 5)))
    const done = await this.commitDone(staged.id, { mode })
    assert.equal(done.state, 'committed', JSON.stringify(done.error))
    return done
  }

  async patch(id: string, body: Record<string, unknown>) {
    return this.t.app.inject({ method: 'PATCH', url: `/api/layer-imports/${id}`, headers: { cookie: this.cookie }, payload: body })
  }

  async cancel(id: string) {
    return this.t.app.inject({ method: 'DELETE', url: `/api/layer-imports/${id}`, headers: { cookie: this.cookie } })
  }
}

export interface ImportView {
  id: string
  layer: string
  state: string
  progress: { phase: string | null; done: number; total: number | null }
  fileName: string
  format: string
  layerName: string
  crs: { code: string; name: string; source: string } | null
  encoding: string | null
  featureCount: number
  validCount: number
  bounds: number[] | null
  fields: { name: string; samples: string[] }[]
  targets: { key: string; zh: string; en: string; required: boolean; kind: string; values?: { key: string; zh: string }[] }[]
  mapping: Record<string, unknown>
  presets: { id: number; name: string; mapping: Record<string, unknown> }[]
  problems: { featureNo: number; code: string; field?: string; message: string }[]
  problemCount: number
  problemCounts: Record<string, number>
  warnings: { code: string; message: string }[]
  error: { code: string; message: string; units?: string[] } | null
  result: { mode: string; inserted: number; updated: number; deleted: number; skipped: number; derived: { what: string; message: string; count?: number }[] } | null
}

export function problemsOf(v: ImportView): Record<number, string> {
  return Object.fromEntries(v.problems.map((p) => [p.featureNo, p.code]))
}
