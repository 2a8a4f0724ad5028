// A big ledger imports in the background and is polled (GET /api/ledger/imports/{id}). With several
// app processes (CHAIWEI_WORKERS) the poll may reach any of them: the job's state is in the
// database (migration 019), so a second app on the same database answers it as the first would.
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import { IMPORT_LIMITS } from '../../server/src/imports/ledger-template.ts'
import { testApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
/** Another app process on the same database, as a second worker behind the same address. */
let second: FastifyInstance
let planner: string
beforeAll(async () => {
  t = await testApp('tiny')
  second = await buildApp({ config: { ...loadConfig({}), cookieSecure: true, logLevel: 'silent', uploadDir: t.uploadDir }, db: t.db, logger: false, checkResponses: true })
  planner = await t.signIn('planner')
})
afterAll(async () => {
  await second.close()
  await t.close()
})

function multipart(name: string, content: Buffer) {
  const boundary = `----chaiwei${randomBytes(8).toString('hex')}`
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/**
 * A ledger over the size answered at once: 1,500 good rows, made big by a column the import does
 * not know (reported as ignored), so the background import itself is short.
 */
async function bigLedger(): Promise<{ file: Buffer; rows: number }> {
  const villages = (await t.db.query<{ code: string; lon: number; lat: number }>(
    `SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM admin_units WHERE level = 'village' ORDER BY code`,
  )).rows
  const rows = 1_500
  const filler = '附'.repeat(1_000)
  const lines = ['序号,所在村,位置,用途,发现来源,发现时间,占地面积,经度,纬度,扫描件原文']
  for (let i = 0; i < rows; i++) {
    const v = villages[i % villages.length]!
    lines.push([i + 1, v.code, `后台导入${i}号`, '仓储', '巡查', '2025-05-06', 20 + (i % 50), v.lon, v.lat, filler].join(','))
  }
  const file = Buffer.from(lines.join('\n'))
  assert.ok(file.length > IMPORT_LIMITS.syncBytes, `${file.length} bytes must go to the background`)
  return { file, rows }
}

const poll = (app: FastifyInstance, id: string, cookie = planner) => app.inject({ url: `/api/ledger/imports/${id}`, headers: { cookie } })

test('a background import is answered by every app process, to its end', async () => {
  const { file, rows } = await bigLedger()
  const body = multipart('台账.csv', file)
  const started = await t.app.inject({ method: 'POST', url: '/api/ledger/import', payload: body.payload, headers: { ...body.headers, cookie: planner } })
  assert.equal(started.statusCode, 202, started.body)
  const id = started.json().id as string

  // the second process knows the job at once, and polls it to the end
  let status = (await poll(second, id)).json()
  assert.equal(status.id, id)
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const res = await poll(second, id)
    assert.equal(res.statusCode, 200, res.body)
    status = res.json()
    assert.ok(status.progress.fraction >= 0 && status.progress.fraction <= 1)
  }
  assert.equal(status.state, 'done', JSON.stringify(status.error ?? status))
  assert.deepEqual([status.result.imported, status.result.rows, status.result.problemCount], [rows, rows, 0])
  assert.deepEqual(status.result.ignoredColumns, ['扫描件原文'])
  assert.equal(Number((await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM cases WHERE location_text LIKE '后台导入%'`)).rows[0]!.n), rows)
  // the first process says the same; someone else gets 404 from either
  assert.deepEqual((await poll(t.app, id)).json(), status)
  const stranger = await t.signIn('planner')
  assert.deepEqual([(await poll(t.app, id, stranger)).statusCode, (await poll(second, id, stranger)).statusCode], [404, 404])
})

test('a job whose process stopped (no heartbeat) is reported failed, asking for the file again', async () => {
  const { file } = await bigLedger()
  const body = multipart('台账2.csv', file)
  const started = await t.app.inject({ method: 'POST', url: '/api/ledger/import', payload: body.payload, headers: { ...body.headers, cookie: planner } })
  assert.equal(started.statusCode, 202, started.body)
  const id = started.json().id as string
  let status = (await poll(t.app, id)).json()
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 300))
    status = (await poll(t.app, id)).json()
  }
  // as if its process had been killed mid-way: still running, no heartbeat for two minutes
  await t.db.query(`UPDATE ledger_import_jobs SET state = 'running', result = NULL, finished_at = NULL, heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [id])
  const res = await poll(second, id)
  assert.equal(res.statusCode, 200, res.body)
  const stopped = res.json()
  assert.equal(stopped.state, 'failed')
  assert.equal(stopped.error.code, 'interrupted')
  assert.match(stopped.error.detailZh, /未写入任何记录/)
})
