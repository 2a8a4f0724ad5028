import { test } from 'vitest'
import assert from 'node:assert/strict'
import { ConfigError, loadConfig } from '../../server/src/config.ts'

test('defaults: embedded database, port 3000, demo sample, Secure cookies', () => {
  const c = loadConfig({}, '/srv/chaiwei')
  assert.equal(c.port, 3000)
  assert.equal(c.databaseUrl, undefined)
  assert.equal(c.dataDir, '/srv/chaiwei/data/pglite')
  assert.equal(c.sample, 'demo')
  assert.equal(c.cookieSecure, true)
})

test('an unknown CHAIWEI_ setting refuses to start, naming it', () => {
  assert.throws(() => loadConfig({ CHAIWEI_SAMPEL: 'tiny' }), (e: Error) => e instanceof ConfigError && /unknown setting CHAIWEI_SAMPEL/.test(e.message))
})

test('bad values refuse to start, naming key and value', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT=eighty is not a whole number/)
  assert.throws(() => loadConfig({ CHAIWEI_SAMPLE: 'huge' }), /CHAIWEI_SAMPLE=huge is not one of none, tiny, demo, city/)
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must start with postgres/)
})

test('X-Forwarded-For is believed from a proxy on this machine unless told otherwise; Open311 keys are long', () => {
  assert.equal(loadConfig({}).trustProxy, 'loopback')
  assert.equal(loadConfig({ CHAIWEI_TRUST_PROXY: 'none' }).trustProxy, false)
  assert.equal(loadConfig({ CHAIWEI_TRUST_PROXY: '10.0.0.5,192.168.1.0/24' }).trustProxy, '10.0.0.5,192.168.1.0/24')
  assert.throws(() => loadConfig({ CHAIWEI_TRUST_PROXY: 'true' }), /CHAIWEI_TRUST_PROXY: true is not an address/)
  assert.deepEqual(loadConfig({}).open311Keys, [])
  assert.deepEqual(loadConfig({ CHAIWEI_OPEN311_KEYS: 'app-one-key-0123456, app-two-key-0123456' }).open311Keys, ['app-one-key-0123456', 'app-two-key-0123456'])
  assert.throws(() => loadConfig({ CHAIWEI_OPEN311_KEYS: 'short' }), /at least 16 characters/)
})

test('a read replica and several workers need the real server; workers are a whole number from 1 to 64', () => {
  const pg = { DATABASE_URL: 'postgres://db/chaiwei' }
  assert.equal(loadConfig({}).databaseReadUrl, undefined)
  assert.equal(loadConfig({}).workers, 1)
  assert.equal(loadConfig({ ...pg, DATABASE_READ_URL: 'postgres://replica/chaiwei' }).databaseReadUrl, 'postgres://replica/chaiwei')
  assert.throws(() => loadConfig({ DATABASE_READ_URL: 'postgres://replica/chaiwei' }), /DATABASE_READ_URL needs DATABASE_URL/)
  assert.throws(() => loadConfig({ ...pg, DATABASE_READ_URL: 'replica:5433' }), /DATABASE_READ_URL must start with postgres/)
  assert.equal(loadConfig({ ...pg, CHAIWEI_WORKERS: '4' }).workers, 4)
  assert.throws(() => loadConfig({ CHAIWEI_WORKERS: '2' }), /CHAIWEI_WORKERS=2 needs DATABASE_URL/)
  assert.throws(() => loadConfig({ ...pg, CHAIWEI_WORKERS: '0' }), /CHAIWEI_WORKERS=0 is not a whole number from 1 to 64/)
})
