// The shared GeoJSON structure check: geojson-validation's faults placed at their ring or position,
// said in Chinese, the feature named, the list capped; well-formed input passes untouched.
import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import {
  collectionFaults, FAULTS_LISTED, faultReport, featureFaults, featureLabel, geometryFaults, GeoJsonRefused, requireGeometry, stagedProblemCode,
} from '../../server/src/imports/formats/geojson-check.ts'
import { refusalProblem } from '../../server/src/http/problem.ts'

const ring = [[116, 39.7], [116.1, 39.7], [116.1, 39.8], [116, 39.8], [116, 39.7]]
const faultsOf = (g: unknown) => geometryFaults(g).map((f) => [f.code, f.path, f.zh])

describe('geometries', () => {
  test('well-formed geometries of every type have no faults', () => {
    for (const g of [
      { type: 'Point', coordinates: [116, 39.7] },
      { type: 'Point', coordinates: [116, 39.7, 50] },
      { type: 'MultiPoint', coordinates: [[116, 39.7]] },
      { type: 'LineString', coordinates: [[116, 39.7], [116.1, 39.8]] },
      { type: 'MultiLineString', coordinates: [[[116, 39.7], [116.1, 39.8]]] },
      { type: 'Polygon', coordinates: [ring] },
      { type: 'MultiPolygon', coordinates: [[ring], [ring]] },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [116, 39.7] }] },
      { type: 'Polygon', coordinates: [], bbox: [116, 39.7, 116.1, 39.8] },
    ]) assert.deepEqual(geometryFaults(g), [], JSON.stringify(g))
  })

  test('an unclosed ring is named with its first and last positions', () => {
    assert.deepEqual(faultsOf({ type: 'Polygon', coordinates: [ring.slice(0, 4)] }), [
      ['unclosed_ring', 'coordinates[0]', '第 1 个环未闭合（首尾坐标不同：起点 (116, 39.7)，终点 (116, 39.8)）'],
    ])
  })

  test('a ring of three positions, a one-number position and a non-number are each placed', () => {
    assert.deepEqual(faultsOf({ type: 'Polygon', coordinates: [ring, [[116, 39.7], [116.1, 39.7], [116, 39.7]]] }), [
      ['too_few_points', 'coordinates[1]', '第 2 个环只有 3 个坐标，环至少需要 4 个（首尾相同）'],
    ])
    assert.deepEqual(faultsOf({ type: 'Point', coordinates: [116] }), [['bad_position', 'coordinates', '坐标只有 1 个数，坐标须为 [经度, 纬度]']])
    assert.deepEqual(faultsOf({ type: 'LineString', coordinates: [[116, 39.7], [116.1, '39.8']] }), [
      ['bad_position', 'coordinates[1]', '第 2 个坐标的第 2 个值 "39.8" 不是数字'],
    ])
    assert.deepEqual(faultsOf({ type: 'LineString', coordinates: [[116, 39.7]] }), [['too_few_points', 'coordinates', 'coordinates 只有 1 个坐标，线至少需要 2 个']])
  })

  test('a later fault in the same ring keeps its full place (the library prefixes only the first)', () => {
    const bad = [[116, 39.7], [116.1], [116.1, 39.8], ['x', 39.8], [116, 39.9]]
    assert.deepEqual(geometryFaults({ type: 'MultiPolygon', coordinates: [[ring], [ring, bad]] }).map((f) => [f.code, f.path]), [
      ['bad_position', 'coordinates[1][1][1]'],
      ['bad_position', 'coordinates[1][1][3]'],
      ['unclosed_ring', 'coordinates[1][1]'],
    ])
    assert.match(geometryFaults({ type: 'MultiPolygon', coordinates: [[ring], [ring, bad]] })[1]!.zh, /^第 2 个多边形的第 2 个环的第 4 个坐标的第 1 个值 "x" 不是数字$/)
  })

  test('wrong type names, missing members and non-arrays say what was found', () => {
    assert.deepEqual(geometryFaults({ type: 'polygon', coordinates: [ring] }).map((f) => [f.code, f.path]), [['unknown_type', 'type']])
    assert.match(geometryFaults({ type: 'polygon', coordinates: [ring] })[0]!.zh, /类型 "polygon" 不是 GeoJSON 几何类型.*区分大小写/)
    assert.deepEqual(faultsOf({ type: 'Polygon' }), [['missing_member', 'coordinates', '缺少 "coordinates" 成员']])
    assert.deepEqual(faultsOf({ type: 'MultiPolygon', coordinates: [[ring], 7] }), [['not_array', 'coordinates[1]', '第 2 个多边形是 7，须为坐标数组']])
    assert.deepEqual(faultsOf('POINT(1 2)'), [['not_object', '', '是 "POINT(1 2)"，须为 JSON 对象']])
  })

  test('an empty ring (the library throws on it) is a fault, not a crash', () => {
    assert.deepEqual(faultsOf({ type: 'MultiPolygon', coordinates: [[ring], [ring, []]] }), [['empty_ring', 'coordinates[1][1]', '第 2 个多边形的第 2 个环是空的或首尾坐标为 null']])
  })

  test('a geometry collection places the faults of its members under geometries[i]', () => {
    assert.deepEqual(geometryFaults({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'Point', coordinates: [1] }] }).map((f) => f.path), [
      'geometries[1].coordinates',
    ])
  })
})

describe('features and collections', () => {
  test('a feature without a geometry member, or of another type, is named; a missing properties member is let through', () => {
    assert.deepEqual(featureFaults({ type: 'Feature', properties: {} }).map((f) => [f.code, f.path]), [['missing_member', 'geometry']])
    assert.deepEqual(featureFaults({ type: 'Feature', geometry: null }), [])
    assert.match(featureFaults({ type: 'feature', properties: {}, geometry: null })[0]!.zh, /类型 "feature" 不是 "Feature"/)
    assert.deepEqual(featureFaults({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring.slice(0, 4)] } }).map((f) => f.path), ['geometry.coordinates[0]'])
  })

  test('a collection whose features is not an array, or missing, is refused; its features are checked one by one elsewhere', () => {
    assert.deepEqual(collectionFaults({ type: 'FeatureCollection' }, true), [])
    assert.match(collectionFaults({ type: 'FeatureCollection', features: { a: 1 } }, false)[0]!.zh, /"features" 是 \{"a":1\}，须为数组/)
    assert.deepEqual(collectionFaults({ type: 'FeatureCollection' }, false).map((f) => [f.code, f.path]), [['missing_member', 'features']])
    assert.match(collectionFaults({ type: 'Feature', features: [] }, true)[0]!.zh, /不是 "FeatureCollection"/)
  })

  test('features are named by number and by their id, else an id-like or name property', () => {
    assert.equal(featureLabel(12, { id: 'A-0012', properties: { name: '东区' } }).zh, '第 12 个要素（编号 A-0012）')
    assert.equal(featureLabel(3, { properties: { 图斑编号: 'TB7' } }).zh, '第 3 个要素（编号 TB7）')
    assert.equal(featureLabel(4, { properties: { 名称: '西片' } }).zh, '第 4 个要素（名称 西片）')
    assert.equal(featureLabel(5, { properties: null }).zh, '第 5 个要素')
    assert.equal(featureLabel(5, { properties: null }).en, 'feature 5')
  })

  test('staged problems keep the import codes the web app translates', () => {
    const code = (g: unknown) => stagedProblemCode(featureFaults({ type: 'Feature', properties: {}, geometry: g })[0]!)
    assert.equal(code({ type: 'Polygon', coordinates: [ring.slice(0, 4)] }), 'unclosed_ring')
    assert.equal(code({ type: 'Polygon', coordinates: [[[116, 39.7], [116.1, 39.7], [116, 39.7]]] }), 'too_few_points')
    assert.equal(code({ type: 'Polygon', coordinates: [[]] }), 'empty_geometry')
    assert.equal(code({ type: 'Polygon', coordinates: [[[116], ...ring.slice(1)]] }), 'invalid_geometry')
    assert.equal(stagedProblemCode(featureFaults({ type: 'Feature', properties: {} })[0]!), 'no_geometry')
  })
})

describe('refusals', () => {
  test('a refusal is problem+json: detailZh names the feature and the fault, problems are capped, problemCount counts all', () => {
    const broken = { type: 'Polygon', coordinates: [ring.slice(0, 4)] }
    const items = Array.from({ length: FAULTS_LISTED + 5 }, (_, i) => ({
      label: featureLabel(i + 1, { properties: { 编号: `Z-${i + 1}` } }), featureNo: i + 1, faults: geometryFaults(broken),
    }))
    const p = refusalProblem(new GeoJsonRefused(items, 'file'))
    assert.equal(p.status, 400)
    assert.equal(p.extra.code, 'invalid_geojson')
    assert.equal(p.extra.field, 'file')
    assert.match(String(p.extra.detailZh), /^GeoJSON 结构有误（25 处）：第 1 个要素（编号 Z-1）：第 1 个环未闭合.*；另有 22 处$/)
    assert.equal((p.extra.problems as unknown[]).length, FAULTS_LISTED)
    assert.equal(p.extra.problemCount, FAULTS_LISTED + 5)
    assert.deepEqual((p.extra.problems as { feature: number; featureId: string }[])[19], {
      feature: 20, featureId: 'Z-20', path: 'coordinates[0]', code: 'unclosed_ring',
      message: '第 20 个要素（编号 Z-20）：第 1 个环未闭合（首尾坐标不同：起点 (116, 39.7)，终点 (116, 39.8)）',
      messageEn: 'feature 20 (id Z-20): ring 1 is not closed (first (116, 39.7) and last (116, 39.8) differ)',
    })
    assert.match(faultReport(items.slice(0, 1), 'file').en, /^file is not readable GeoJSON \(1 fault\): feature 1 \(id Z-1\): ring 1 is not closed/)
  })

  test('requireGeometry passes well-formed input and refuses with the route’s status', () => {
    requireGeometry({ type: 'Polygon', coordinates: [ring] }, 'geometry')
    assert.throws(() => requireGeometry({ type: 'Polygon', coordinates: [ring.slice(0, 4)] }, 'geometry', 'unprocessable'), (err: unknown) => {
      const p = refusalProblem(err as GeoJsonRefused)
      return p.status === 422 && /^GeoJSON 结构有误（1 处）：几何（geometry）：第 1 个环未闭合/.test(String(p.extra.detailZh))
    })
  })
})
