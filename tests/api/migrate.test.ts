// The migration runner on the run's backend: in order, recorded, a no-op on restart, and a
// failing file rolls back whole and is named.
import { afterEach, beforeEach, test } from 'vitest'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Db } from '../../server/src/db/db.ts'
import { migrate, MigrationError, readFunctionFiles, readMigrations } from '../../server/src/db/migrate.ts'
import { emptyDb } from '../helpers/db.ts'

let db: Db
let dir: string
beforeEach(async () => {
  db = await emptyDb()
  dir = mkdtempSync(join(tmpdir(), 'chaiwei-mig-'))
})
afterEach(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const tables = async () =>
  (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t)

test('applies files in order, records them, and is a no-op the second time', async () => {
  writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (a_id int REFERENCES a (id));')
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id int PRIMARY KEY);')
  assert.deepEqual(await migrate(db, dir), ['001_a.sql', '002_b.sql'])
  assert.deepEqual(await migrate(db, dir), [])
  assert.deepEqual(await tables(), ['a', 'b', 'schema_migrations'])
})

test('a failing file is rolled back whole, named, and not recorded; earlier files stay', async () => {
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id int);')
  writeFileSync(join(dir, '002_bad.sql'), 'CREATE TABLE half (id int);\nSELECT no_such_function();')
  await assert.rejects(migrate(db, dir), (e: Error) => e instanceof MigrationError && /^migration 002_bad\.sql failed and was rolled back: .*no_such_function/.test(e.message))
  assert.deepEqual(await tables(), ['a', 'schema_migrations'])
  const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations')
  assert.deepEqual(recorded.rows.map((r) => r.name), ['001_a.sql'])
})

test('an applied file that was edited afterwards stops the runner', async () => {
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id int);')
  await migrate(db, dir)
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id bigint);')
  await assert.rejects(migrate(db, dir), /001_a\.sql was changed after it was applied/)
})

test('badly named files are refused before anything runs', () => {
  writeFileSync(join(dir, '1_a.sql'), 'SELECT 1;')
  assert.throws(() => readMigrations(dir), /1_a\.sql: file name must look like 001_name\.sql/)
})

test('the project migrations apply cleanly to an empty database', async () => {
  const applied = await migrate(db)
  assert.deepEqual(applied, [...readMigrations(), ...readFunctionFiles()].map((m) => m.name))
  const postgis = await db.query<{ v: string }>('SELECT postgis_lib_version() AS v')
  assert.match(postgis.rows[0]!.v, /^3\./)
})

const answer = async () => (await db.query<{ n: number }>('SELECT answer() AS n')).rows[0]!.n
const functionFile = (sql: string) => {
  mkdirSync(join(dir, 'functions'), { recursive: true })
  writeFileSync(join(dir, 'functions', 'answer.sql'), sql)
}

test('a function file runs after the numbered files, again only when its text changes, and its new body takes effect', async () => {
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id int);')
  functionFile('CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int + 41 FROM a $$;')
  assert.deepEqual(await migrate(db, dir), ['001_a.sql', 'functions/answer.sql'])
  assert.equal(await answer(), 41)
  assert.deepEqual(await migrate(db, dir), [], 'unchanged: not applied again')
  functionFile('CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;')
  assert.deepEqual(await migrate(db, dir), ['functions/answer.sql'])
  assert.equal(await answer(), 42)
})

test('a failing function file is named and rolled back; the function keeps its last good body', async () => {
  functionFile('CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;')
  await migrate(db, dir)
  functionFile('CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 7 $$;\nSELECT no_such_function();')
  await assert.rejects(migrate(db, dir), (e: Error) => e instanceof MigrationError && /^function file functions\/answer\.sql failed and was rolled back/.test(e.message))
  assert.equal(await answer(), 42)
})
