// A scope is an admin code; rows lie in it by prefix. The JS test (domain/scope.ts) and the SQL
// test (repos/scope.sql.ts) must agree, and a string that is not an admin code is never a scope.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import { holds, isDistrictWide, onPath, scopeOf } from '../../server/src/domain/scope.ts'
import { openPgliteDb } from '../../server/src/db/pglite.db.ts'
import { holdsScope, inScope } from '../../server/src/repos/scope.sql.ts'

const village = scopeOf('110111001001')
const town = scopeOf('110111001')
const district = scopeOf('110111')

test('only a 6-, 9- or 12-digit code becomes a scope: an empty or pattern string would match every row', () => {
  for (const bad of ['', '%', '1101_1', '11011', '1101110011', "110111' OR '1'='1", '110111%']) {
    assert.throws(() => scopeOf(bad), /admin code/, bad)
  }
})

test('a scope holds its own unit and everything under it, nothing beside it', () => {
  assert.ok(holds(district, '110111001001'))
  assert.ok(holds(town, '110111001'))
  assert.ok(!holds(village, '110111001002'))
  assert.ok(!holds(village, '110111001'), 'the town above a village is not in the village')
  assert.ok(!holds(town, null))
})

test('a user may name units on their path (above or inside), not beside it', () => {
  assert.ok(onPath(village, '110111001'))
  assert.ok(onPath(village, '110111'))
  assert.ok(onPath(town, '110111001007'))
  assert.ok(!onPath(village, '110111002'))
  assert.ok(isDistrictWide(district) && !isDistrictWide(town))
})

test('the SQL form agrees with the JS form on every pair', async () => {
  const db = await openPgliteDb({})
  try {
    const codes = ['110111', '110111001', '110111001001', '110111001002', '110111002', '110112']
    for (const s of codes) {
      for (const c of codes) {
        const r = await db.query<{ a: boolean; b: boolean }>(`SELECT ${inScope('$1::text', '$2')} AS a, ${holdsScope('$1::text', '$2')} AS b`, [c, s])
        assert.equal(r.rows[0]!.a, holds(scopeOf(s), c), `${c} in ${s}`)
        assert.equal(r.rows[0]!.b, holds(scopeOf(c), s), `${s} in ${c}`)
      }
    }
  } finally {
    await db.close()
  }
})
