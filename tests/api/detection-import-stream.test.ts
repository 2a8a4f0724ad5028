// The streamed staging of a patch file: the GeoJSON byte scanner (formats/json-members.ts) on JSON
// written in unusual but valid ways, and attributes carrying the characters COPY's text format must
// escape arriving in detections.source_attributes exactly as they were in the file.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, test } from 'vitest'
import type { Feature, Polygon } from 'geojson'
import { scanFeatureCollection } from '../../server/src/imports/formats/json-members.ts'
import { testApp, type TestApp } from '../helpers/app.ts'
import { canonicalPatches, multipartBody } from '../fixtures/patches/canonical.ts'

let t: TestApp
let cookie: string
let patches: Feature[]
const dir = mkdtempSync(join(tmpdir(), 'chaiwei-scan-test-'))

beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('planner')
  patches = await canonicalPatches(t.db, 6)
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await t.close()
})

async function scan(text: string): Promise<{ members: Record<string, unknown>; elements: unknown[] }> {
  const path = join(dir, 'x.json')
  writeFileSync(path, text)
  const members: Record<string, unknown> = {}
  const elements: unknown[] = []
  for await (const e of scanFeatureCollection(path, { elements: true, member: (k, v) => { members[k] = v } })) elements.push(e)
  return { members, elements }
}

test('the scanner cuts out each element, whatever its strings hold, and parses the other members', async () => {
  const value = { type: 'FeatureCollection', name: 'a}"[', features: [{ type: 'Feature', properties: { s: '}]\\"{[', t: '\t\n' } }, 3, 'x', null, [1, [2]]], crs: { type: 'name', properties: { name: 'EPSG:4490' } }, z: -1.5e3 }
  for (const text of [JSON.stringify(value), `\ufeff${JSON.stringify(value, null, 2)}`, JSON.stringify(value, null, '\t').replace(/\n/g, '\r\n')]) {
    const { members, elements } = await scan(text)
    assert.deepEqual(elements, value.features)
    assert.deepEqual(members, { type: value.type, name: value.name, crs: value.crs, z: value.z })
  }
  for (const bad of ['', '[]', '{"features":[{"type":"Feature",', '{"features":[{} {}]}', '{"a" 1}', '{"features":[]} x', '{"a":tru}', '{"a":1,}x']) {
    await assert.rejects(scan(bad), `refused: ${bad}`)
  }
})

test('a pretty-printed file with its crs after the features, and attributes COPY must escape, arrive unchanged', async () => {
  const attrs = (i: number) => ({ 图斑编号: `S${i}`, 变化类型: '新增建筑', 备注: ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N', '引号"与\'撇号', '\\.', 'plain'][i]!, 数: i })
  const features = patches.map((p, i) => ({ type: 'Feature', properties: attrs(i), geometry: p.geometry as Polygon }))
  // CGCS2000 geographic is stored as WGS84: the same coordinates, the crs member read after the features
  const text = JSON.stringify({ type: 'FeatureCollection', features, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4490' } } }, null, 2)
  const { payload, headers } = multipartBody({}, { name: 'pretty.geojson', bytes: Buffer.from(text) })
  const res = await t.app.inject({ method: 'POST', url: '/api/detection-imports', payload, headers: { ...headers, cookie } })
  assert.equal(res.statusCode, 201, res.body)
  const imp = res.json()
  assert.equal(imp.state, 'staged')
  assert.equal(imp.crs.code, 'EPSG:4490')
  assert.equal(imp.featureCount, features.length)
  assert.equal(imp.problemCount, 0, JSON.stringify(imp.problems))
  const commit = await t.app.inject({
    method: 'POST', url: `/api/detection-imports/${imp.id}/commit`, headers: { cookie },
    payload: { batch: { name: '转义', issuer: 'district', beforeDate: '2026-03-01', afterDate: '2026-09-01' } },
  })
  assert.equal(commit.statusCode, 201, commit.body)
  const rows = await t.db.query<{ patch_no: string; source_attributes: Record<string, unknown>; same: boolean }>(
    `SELECT d.patch_no, d.source_attributes, ST_Equals(d.geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326))) AS same
     FROM detections d JOIN detection_batches b ON b.id = d.batch_id WHERE b.name = $1 ORDER BY d.id`,
    ['转义', JSON.stringify(features[0]!.geometry)],
  )
  assert.deepEqual(rows.rows.map((r) => r.source_attributes), features.map((f) => f.properties))
  assert.equal(rows.rows[0]!.same, true)
})
