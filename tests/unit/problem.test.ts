// A failure inside a handler answers 500 problem+json that names the request id and nothing else:
// no SQL, no stack, no message of the error.
import assert from 'node:assert/strict'
import { test } from 'vitest'
import Fastify from 'fastify'
import { registerProblemHandlers } from '../../server/src/http/problem.ts'
import { TransitionError } from '../../server/src/domain/case-lifecycle.ts'
import { ZipRefused } from '../../server/src/imports/formats/zip-safety.ts'
import { ExportTooLargeError } from '../../server/src/imports/ledger-export.ts'
import { LedgerFileError } from '../../server/src/imports/ledger-import.ts'
import { StaleVersionError } from '../../server/src/repos/stale-version.ts'
import { GeometryInputError, ZoneInUseError } from '../../server/src/repos/zones.repo.ts'

test('a 5xx never leaks the SQL, the message or the stack of the error', async () => {
  const app = Fastify({ logger: false })
  registerProblemHandlers(app)
  app.get('/boom', async () => {
    const err = new Error('syntax error at or near "FROM" in SELECT password_hash FROM users WHERE id = 1')
    Object.assign(err, { code: '42601' })
    throw err
  })
  const res = await app.inject('/boom')
  assert.equal(res.statusCode, 500)
  assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  const body = res.json()
  assert.match(body.detail, /quote request id \S+ to the administrator/)
  assert.doesNotMatch(res.body, /SELECT|password_hash|users|42601|at .*\.ts/)
  await app.close()
})

test('every refusal of the one family answers problem+json with its status, both languages, code, field and facts', async () => {
  const app = Fastify({ logger: false })
  registerProblemHandlers(app)
  const cases: [string, Error, number][] = [
    ['/input', new TransitionError('deadline 2026-01-01 is before the order', 'deadline', '整改期限早于限期拆除决定时间'), 400],
    ['/stale', new StaleVersionError('case', 7), 412],
    ['/in-use', new ZoneInUseError('zone 3 is assigned to a field team'), 409],
    ['/too-big', new GeometryInputError('geometry has 9000 vertices; at most 5000', 413, 'geometry', { limit: 5000 }), 413],
    ['/outside', new GeometryInputError('the zone lies outside the district', 422), 422],
    ['/zip', new ZipRefused('zip_bomb', '压缩包内文件的实际大小与声明不符，已拒绝', 'an entry is not the size it declares'), 400],
    ['/rows', new LedgerFileError('missing_columns', '表头缺少必需的列，文件未导入', 'the header row lacks required columns', 400, [
      { row: 1, column: '用途', field: 'use', message: '缺少列：用途', messageEn: 'column missing: use' },
    ]), 400],
    ['/export', new ExportTooLargeError(50_000), 413],
  ]
  for (const [url, err] of cases) app.get(url, async () => { throw err })
  const bodies: Record<string, Record<string, unknown>> = {}
  for (const [url, , status] of cases) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, status, url)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/)
    bodies[url] = res.json()
  }
  assert.deepEqual(
    { detail: bodies['/input']!.detail, detailZh: bodies['/input']!.detailZh, field: bodies['/input']!.field },
    { detail: 'deadline 2026-01-01 is before the order', detailZh: '整改期限早于限期拆除决定时间', field: 'deadline' },
  )
  assert.deepEqual([bodies['/stale']!.code, bodies['/stale']!.currentVersion, typeof bodies['/stale']!.detailZh], ['stale_version', 7, 'string'])
  assert.equal(bodies['/in-use']!.code, 'zone_in_use')
  assert.deepEqual([bodies['/too-big']!.field, bodies['/too-big']!.limit], ['geometry', 5000])
  // the file refusals are of the same family: one shape whichever reader refused
  assert.deepEqual([bodies['/zip']!.code, bodies['/zip']!.field, bodies['/zip']!.detailZh], ['zip_bomb', 'file', '压缩包内文件的实际大小与声明不符，已拒绝'])
  assert.deepEqual([bodies['/rows']!.code, bodies['/rows']!.imported, bodies['/rows']!.problemCount], ['missing_columns', 0, 1])
  assert.deepEqual([bodies['/export']!.code, bodies['/export']!.limit], ['export_too_large', 50_000])
  await app.close()
})
