// The process itself: bad configuration ends it with one line naming the problem.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')

function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stderr: r.stderr.trim() }
}

test('an unknown setting ends the process with one line naming it', () => {
  const r = start({ CHAIWEI_SAMPEL: 'tiny' })
  assert.equal(r.code, 1)
  assert.equal(r.stderr.split('\n').length, 1)
  assert.match(r.stderr, /^chaiwei: cannot start: unknown setting CHAIWEI_SAMPEL/)
})

test('an unreachable DATABASE_URL ends the process with one line, password hidden', () => {
  const r = start({ DATABASE_URL: 'postgres://chaiwei:s3cret@127.0.0.1:1/chaiwei' })
  assert.equal(r.code, 1)
  assert.equal(r.stderr.split('\n').length, 1)
  assert.match(r.stderr, /^chaiwei: cannot start: cannot use the database at postgres:\/\/chaiwei:\*\*\*@127\.0\.0\.1:1\/chaiwei: ECONNREFUSED/)
  assert.doesNotMatch(r.stderr, /s3cret/)
})
