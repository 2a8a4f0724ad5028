import { test } from 'vitest'
import assert from 'node:assert/strict'
import { Cql2Error, parseCql2Text } from '../../server/src/sources/cql2.ts'

test('comparisons, boolean logic and precedence (AND binds tighter than OR)', () => {
  assert.deepEqual(parseCql2Text("status = 'closed' OR use = 'storage' AND floors >= 3"), {
    op: 'or',
    args: [
      { op: 'compare', comparison: '=', property: 'status', value: { type: 'string', value: 'closed' } },
      {
        op: 'and',
        args: [
          { op: 'compare', comparison: '=', property: 'use', value: { type: 'string', value: 'storage' } },
          { op: 'compare', comparison: '>=', property: 'floors', value: { type: 'number', value: 3 } },
        ],
      },
    ],
  })
})

test('LIKE, BETWEEN, IN, IS NULL, NOT and quoted names and strings', () => {
  assert.deepEqual(parseCql2Text(`"case_no" NOT LIKE '110111%' AND NOT (floors BETWEEN 1 AND 2) AND use IN ('office', 'other') AND deadline IS NOT NULL AND name = 'O''Brien'`), {
    op: 'and',
    args: [
      { op: 'like', property: 'case_no', pattern: '110111%', negated: true },
      { op: 'not', arg: { op: 'between', property: 'floors', low: { type: 'number', value: 1 }, high: { type: 'number', value: 2 }, negated: false } },
      { op: 'in', property: 'use', values: [{ type: 'string', value: 'office' }, { type: 'string', value: 'other' }], negated: false },
      { op: 'isNull', property: 'deadline', negated: true },
      { op: 'compare', comparison: '=', property: 'name', value: { type: 'string', value: "O'Brien" } },
    ],
  })
})

test('dates, timestamps and spatial functions with WKT and BBOX', () => {
  const e = parseCql2Text("found_at >= TIMESTAMP('2026-01-01T00:00:00Z') AND S_INTERSECTS(geometry, POLYGON((116 39.7, 116.1 39.7, 116.1 39.8, 116 39.7))) AND s_within(geometry, BBOX(115, 39, 117, 40))")
  assert.equal(e.op, 'and')
  const [t, s1, s2] = (e as { args: unknown[] }).args as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]
  assert.deepEqual(t.value, { type: 'timestamp', value: '2026-01-01T00:00:00Z' })
  assert.equal(s1.fn, 's_intersects')
  assert.deepEqual(s1.geometry, { type: 'Polygon', coordinates: [[[116, 39.7], [116.1, 39.7], [116.1, 39.8], [116, 39.7]]] })
  assert.deepEqual(s2.geometry, { type: 'Polygon', coordinates: [[[115, 39], [117, 39], [117, 40], [115, 40], [115, 39]]] })
})

test('malformed filters are refused with a message that says where', () => {
  const cases: [string, RegExp][] = [
    ["status = 'closed", /unterminated string starting at character 10/],
    ['status = ', /expected a value .* at the end of the filter/],
    ["status == 'x'", /expected a value .* at character 9/],
    ["status = 'x' AND", /expected a property name at the end of the filter/],
    ["(status = 'x'", /expected '\)' at the end of the filter/],
    ['S_INTERSECTS(geometry, POLYGON((1 2, 3)))', /malformed WKT geometry/],
    ['S_INTERSECTS(geometry, BBOX(3, 0, 1, 1))', /minx < maxx/],
    ["found_at > DATE('2026-13')", /is not a valid date/],
    ["status = 'x'; DROP TABLE cases", /unexpected character ';' at character 13/],
    ['', /the filter is empty/],
  ]
  for (const [input, message] of cases) {
    assert.throws(() => parseCql2Text(input), (e: Error) => e instanceof Cql2Error && message.test(e.message), input)
  }
})

test('absurd nesting is refused instead of exhausting the stack', () => {
  assert.throws(() => parseCql2Text('('.repeat(200) + "a = 1" + ')'.repeat(200)), /nests deeper than 50 levels/)
})
