// What the benchmarks share: a fresh database (embedded, or a new one on DATABASE_URL), migrated
// and loaded with a sample, medians of repeated timings, and Markdown table lines for README.md.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import type { Db } from '../server/src/db/db.ts'
import { migrate } from '../server/src/db/migrate.ts'
import { openPgDb } from '../server/src/db/pg.db.ts'
import { openPgliteDb } from '../server/src/db/pglite.db.ts'
import { loadSample, type SampleSize } from '../data/sample/load-sample.ts'

export interface BenchDb {
  db: Db
  /** Closes the database; on a real server also drops the database made for the run. */
  drop(): Promise<void>
}

/**
 * An empty in-memory PGlite, or with DATABASE_URL a new database `name` on that server (dropped
 * first if an earlier run left it behind).
 */
export async function openBenchDb(name: string): Promise<BenchDb> {
  const url = process.env.DATABASE_URL
  if (!url) {
    const db = await openPgliteDb({})
    return { db, drop: () => db.close() }
  }
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name}`)
  await admin.query(`CREATE DATABASE ${name}`)
  const u = new URL(url)
  u.pathname = `/${name}`
  const db = await openPgDb(u.toString())
  return {
    db,
    drop: async () => {
      await db.close()
      await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      await admin.end()
    },
  }
}

/** Migrates `db` and loads the sample, timing each step (seconds). */
export async function migrateAndLoad(db: Db, size: SampleSize) {
  let t0 = performance.now()
  await migrate(db)
  const migrateS = (performance.now() - t0) / 1000
  t0 = performance.now()
  const summary = await loadSample(db, size)
  const loadS = (performance.now() - t0) / 1000
  return { migrateS, loadS, summary }
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Median and max milliseconds of `repeats` calls of fn, after one untimed call when `warm`. */
export async function timed(fn: () => Promise<unknown>, repeats: number, { warm = false } = {}): Promise<{ median: number; max: number }> {
  if (warm) await fn()
  const ms: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await fn()
    ms.push(performance.now() - t0)
  }
  return { median: median(ms), max: Math.max(...ms) }
}

/** A Markdown table's header line and separator. */
export const tableHeader = (columns: readonly string[]) => `| ${columns.join(' | ')} |\n|${columns.map(() => '---|').join('')}`

export const tableRow = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`
