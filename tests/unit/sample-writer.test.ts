// The sample's batched writer: inserts go out without waiting, yet run in the order sent, and a
// failed statement stops the rest and reaches whoever waits.
import assert from 'node:assert/strict'
import { test } from 'vitest'
import type { Queryable, QueryResult } from '../../server/src/db/db.ts'
import { SerialQueries, TableWriter } from '../../data/sample/writer.ts'

const words = (sql: string) => sql.split(' ').slice(0, 3).join(' ')

/** A driver that answers after a delay (longer for earlier statements) and logs start and end. */
function slowDriver(log: string[], failOn?: string): Queryable {
  let n = 0
  return {
    async query<R>(sql: string): Promise<QueryResult<R>> {
      const k = n++
      log.push(`start ${words(sql)}`)
      await new Promise((r) => setTimeout(r, Math.max(1, 20 - k * 5)))
      log.push(`end ${words(sql)}`)
      if (failOn && sql.includes(failOn)) throw new Error(`refused: ${failOn}`)
      return { rows: [], rowCount: 0 }
    },
    async exec() {},
  }
}

test('writers send without waiting; statements run one at a time in the order sent', async () => {
  const log: string[] = []
  const q = new SerialQueries(slowDriver(log))
  const parents = new TableWriter(q, 'parents', [{ name: 'id', type: 'bigint' }], 2)
  const children = new TableWriter(q, 'children', [{ name: 'id', type: 'bigint' }], 2, [parents])
  await parents.push([1])
  await children.push([1])
  await children.push([2]) // full: parents go first
  const after = q.query('UPDATE children SET x = 1')
  await children.drain()
  await parents.drain()
  await after
  assert.deepEqual(log, [
    'start INSERT INTO parents',
    'end INSERT INTO parents',
    'start INSERT INTO children',
    'end INSERT INTO children',
    'start UPDATE children SET',
    'end UPDATE children SET',
  ])
})

test('after a failed insert the rest are refused with its error', async () => {
  const log: string[] = []
  const q = new SerialQueries(slowDriver(log, 'bad'))
  const bad = new TableWriter(q, 'bad', [{ name: 'id', type: 'bigint' }], 1)
  const good = new TableWriter(q, 'good', [{ name: 'id', type: 'bigint' }], 1)
  await bad.push([1]) // sent, not yet answered
  await good.push([1])
  await assert.rejects(good.drain(), /refused: bad/)
  await assert.rejects(q.query('SELECT 1'), /refused: bad/)
  assert.deepEqual(log, ['start INSERT INTO bad', 'end INSERT INTO bad'])
})
