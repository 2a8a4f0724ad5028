// The ledger's points as the deck.gl hexagons take them (web/src/map/deck/case-points.ts): the
// binary body decoded, the weightings, and the panel's "cases in view" while the hexagons stand
// for the case layers. Plain functions: no page, no GPU.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import { decodeCasePoints, encodeCasePoints, type CasePointRow } from '../../server/src/domain/case-points.ts'
import { countInBox, hexRadiusM, weighPoints } from '../../web/src/map/deck/case-points.ts'

const ROWS: CasePointRow[] = [
  { id: 1, lon: 116.0, lat: 39.7, status: 'identified', demolishedM2: 0 },
  { id: 2, lon: 116.1, lat: 39.75, status: 'demolished', demolishedM2: 120.5 },
  { id: 3, lon: 116.2, lat: 39.8, status: 'demolished', demolishedM2: 80 },
  { id: 4, lon: 115.5, lat: 39.6, status: 'closed', demolishedM2: 0 },
]
const bytes = encodeCasePoints(ROWS)
const points = decodeCasePoints(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)

test('the binary body decodes to the rows it was made from', () => {
  assert.equal(points.count, 4)
  assert.deepEqual([...points.ids], [1, 2, 3, 4])
  assert.deepEqual([...points.positions].map((v) => Math.round(v * 1e4) / 1e4), [116, 39.7, 116.1, 39.75, 116.2, 39.8, 115.5, 39.6])
  assert.deepEqual([...points.statusCodes].map((c) => points.statuses[c]), ['identified', 'demolished', 'demolished', 'closed'])
})

test('each weighting keeps only the points that weigh something, with their weight', () => {
  const count = weighPoints(points, 'count')
  assert.deepEqual([count.length, [...count.weights], [...count.ids]], [4, [1, 1, 1, 1], [1, 2, 3, 4]])
  const area = weighPoints(points, 'demolished')
  assert.deepEqual([area.length, [...area.weights], [...area.ids]], [2, [120.5, 80], [2, 3]])
  const closed = weighPoints(points, 'status:closed')
  assert.deepEqual([closed.length, [...closed.ids]], [1, [4]])
  assert.equal(weighPoints(points, 'status:accepted').length, 0)
})

test('cases in view: the points inside the map box, by status', () => {
  assert.deepEqual(countInBox(points, [115.9, 39.65, 116.15, 39.9]), { total: 2, byStatus: { identified: 1, demolished: 1 } })
  assert.deepEqual(countInBox(points, [115, 39, 117, 40]), { total: 4, byStatus: { identified: 1, demolished: 2, closed: 1 } })
  assert.deepEqual(countInBox(points, [100, 20, 101, 21]), { total: 0, byStatus: {} })
})

test('hexagons are about 40 px across at any zoom, within 60 m to 5 km', () => {
  const perPixel = (z: number) => (40075016.686 * Math.cos((39.7 * Math.PI) / 180)) / (512 * 2 ** z)
  assert.equal(hexRadiusM(10.6, 39.7), Math.round(20 * perPixel(10)))
  assert.equal(hexRadiusM(4, 39.7), 5000)
  assert.equal(hexRadiusM(16, 39.7), 60)
})
