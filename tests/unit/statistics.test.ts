// Shares that add up, group keys, exact sums: the pure side of the statistics.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import {
  compareKeys, emptyFigures, largestRemainderShares, parseGroupBy, rowShares, shareOf, sumFigures, type Figures,
} from '../../server/src/domain/statistics.ts'

const sum = (xs: number[]) => Math.round(xs.reduce((s, x) => s + x * 100, 0)) / 100

test('largest remainder: the Xicheng ledger by use adds up to 100.00', () => {
  // seed 004: 居住 480,717 / 仓储 110,502 / 商业 163,806 / 办公 60,950 / 其他 3,950 m²
  const areas = [480_717, 110_502, 163_806, 60_950, 3_950]
  const shares = largestRemainderShares(areas)
  assert.deepEqual(shares, [58.63, 13.48, 19.98, 7.43, 0.48])
  assert.equal(sum(shares), 100)
  // the shares as printed in the report (其他 0.49 %) add up to 100.01; these never do
  assert.equal(sum([58.63, 13.48, 19.98, 7.43, 0.49]), 100.01)
})

test('largest remainder: thirds, ties to the first row, zeros and cents', () => {
  assert.deepEqual(largestRemainderShares([1, 1, 1]), [33.34, 33.33, 33.33]) // rounding each: 99.99
  assert.deepEqual(largestRemainderShares([0, 0]), [0, 0])
  assert.deepEqual(largestRemainderShares([5, 0]), [100, 0])
  assert.deepEqual(largestRemainderShares([0.01, 0.02]), [33.33, 66.67])
  for (const values of [[7, 3, 1, 1, 1, 1, 1, 1, 1], [123.45, 678.9, 0.01, 99999.99], [1, 2, 3, 4, 5, 6, 7]]) {
    assert.equal(sum(largestRemainderShares(values)), 100, values.join(','))
  }
  assert.throws(() => largestRemainderShares([1, -1]), RangeError)
})

test('shares of overlapping rows are each rounded half up against the distinct total', () => {
  assert.equal(shareOf(1, 3), 33.33)
  assert.equal(shareOf(2, 3), 66.67)
  assert.equal(shareOf(1, 8), 12.5)
  assert.equal(shareOf(5, 0), 0)
  const row = (count: number): Figures => ({ ...emptyFigures(), count })
  const totals = row(4)
  // a case in two zones: 3 + 3 > 4, so the shares exceed 100 and say so honestly
  assert.deepEqual(rowShares([row(3), row(3)], totals, true).map((s) => s.count), [75, 75])
  assert.deepEqual(rowShares([row(3), row(1)], totals, false).map((s) => s.count), [75, 25])
})

test('groupBy takes up to two known keys, each once', () => {
  assert.deepEqual(parseGroupBy('town,use'), ['town', 'use'])
  assert.deepEqual(parseGroupBy(undefined), [])
  assert.deepEqual(parseGroupBy(''), [])
  assert.throws(() => parseGroupBy('town,use,year'), /at most 2 keys/)
  assert.throws(() => parseGroupBy('colour'), /colour is not one of district/)
  assert.throws(() => parseGroupBy('town,town'), /twice/)
})

test('figures sum in cents: 0.1 + 0.2 is 0.3', () => {
  const a = { ...emptyFigures(), landArea: 0.1, count: 1 }
  const b = { ...emptyFigures(), landArea: 0.2, count: 2 }
  assert.equal(sumFigures([a, b]).landArea, 0.3)
  assert.equal(sumFigures([a, b]).count, 3)
})

test('rows sort by their keys, periods as text, missing values last', () => {
  const keys = [['2025-Q2', 'b'], [null, 'a'], ['2025-Q1', 'z'], ['2025-Q1', null]] as (string | null)[][]
  keys.sort(compareKeys)
  assert.deepEqual(keys, [['2025-Q1', 'z'], ['2025-Q1', null], ['2025-Q2', 'b'], [null, 'a']])
})
