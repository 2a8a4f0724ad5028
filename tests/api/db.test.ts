// The Db interface answers the same on both backends: the app above it must not be able to tell.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Db } from '../../server/src/db/db.ts'
import { freshDb } from '../helpers/db.ts'

let db: Db
beforeAll(async () => {
  db = await freshDb('schema')
})
afterAll(() => db.close())

test('rowCount counts returned rows for SELECT and touched rows for writes', async () => {
  await db.exec('CREATE TABLE t (id int, v text)')
  assert.equal((await db.query("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")).rowCount, 3)
  assert.equal((await db.query('SELECT * FROM t WHERE id > 1')).rowCount, 2)
  assert.equal((await db.query('SELECT * FROM t WHERE id > 9')).rowCount, 0)
  assert.equal((await db.query("UPDATE t SET v = 'x' WHERE id <= 2")).rowCount, 2)
  assert.equal((await db.query('DELETE FROM t WHERE id = 3 RETURNING id')).rowCount, 1)
})

test('int8 and numeric come back as numbers, date as YYYY-MM-DD, timestamptz as Date', async () => {
  const r = await db.query<{ i: unknown; n: unknown; d: unknown; ts: unknown }>(
    "SELECT 9007199254740::int8 AS i, 1234.56::numeric(10, 2) AS n, DATE '2026-03-31' AS d, TIMESTAMPTZ '2026-03-31T08:00:00Z' AS ts",
  )
  assert.deepEqual(r.rows[0], { i: 9007199254740, n: 1234.56, d: '2026-03-31', ts: new Date('2026-03-31T08:00:00Z') })
})

test('a transaction that throws leaves nothing behind; one that resolves commits', async () => {
  await db.exec('CREATE TABLE u (id int PRIMARY KEY)')
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query('INSERT INTO u VALUES (1)')
      await tx.query('INSERT INTO u VALUES (1)') // duplicate key
    }),
    /duplicate key/,
  )
  assert.equal((await db.query('SELECT * FROM u')).rowCount, 0)
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO u VALUES (2)')
  })
  assert.deepEqual((await db.query('SELECT id FROM u')).rows, [{ id: 2 }])
})
