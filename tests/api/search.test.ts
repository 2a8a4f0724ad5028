import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let cookie: string
beforeAll(async () => {
  t = await testApp('tiny')
  cookie = await t.signIn('viewer')
})
afterAll(() => t.close())

const find = async (q: string, c = cookie) => {
  const res = await t.app.inject({ url: `/api/search?q=${encodeURIComponent(q)}`, headers: { cookie: c } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().results as { kind: string; id: string; label: string; bbox: number[] }[]
}

test('a town by name comes with its extent', async () => {
  const hits = await find('良乡')
  assert.equal(hits[0]!.kind, 'town')
  assert.equal(hits[0]!.label, '良乡地区')
  const [w, s, e, n] = hits[0]!.bbox
  assert.ok(w! < e! && s! < n! && w! > 115 && e! < 117)
})

test('an admin code finds the unit, a case number finds the case', async () => {
  assert.equal((await find('110111008'))[0]!.id, '110111008')
  const c = (await t.db.query<{ id: number; case_no: string }>('SELECT id, case_no FROM cases ORDER BY id LIMIT 1')).rows[0]!
  const hits = await find(c.case_no)
  assert.deepEqual(hits.map((h) => [h.kind, h.id]), [['case', String(c.id)]])
})

test('search respects scope: a village user finds nothing in another village', async () => {
  const villages = (await t.db.query<{ code: string; name: string }>("SELECT code, name FROM admin_units WHERE level = 'village' ORDER BY code LIMIT 2")).rows
  const fieldCookie = await t.signIn('field', villages[0]!.code)
  assert.equal((await find(villages[1]!.name, fieldCookie)).filter((h) => h.id === villages[1]!.code).length, 0)
  assert.equal((await find(villages[0]!.name, fieldCookie))[0]!.id, villages[0]!.code)
})

test('LIKE wildcards in the query are taken literally', async () => {
  assert.deepEqual(await find('%'), [])
})
