// What the benchmarks share: a fresh database (embedded, or a new one on DATABASE_URL), migrated
// and loaded with a sample, medians of repeated timings, and Markdown table lines for README.md.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
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
export async function openBenchDb(name: string, template?: string): Promise<BenchDb> {
  const url = process.env.DATABASE_URL
  if (!url) {
    if (template) throw new Error('a template database needs DATABASE_URL (a real server)')
    const db = await openPgliteDb({})
    return { db, drop: () => db.close() }
  }
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name}`)
  // a copy of a loaded database (e.g. the city sample): file-level, nothing re-loaded
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`)
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

/**
 * Median and max milliseconds of each function over `repeats` rounds, after one untimed call of
 * each; within a round they run one after the other, so all see the same load on a shared machine.
 */
export async function timedSideBySide(fns: readonly (() => Promise<unknown>)[], repeats: number): Promise<{ median: number; max: number }[]> {
  for (const fn of fns) await fn()
  const ms: number[][] = fns.map(() => [])
  for (let i = 0; i < repeats; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now()
      await fn()
      ms[k]!.push(performance.now() - t0)
    }
  }
  return ms.map((m) => ({ median: median(m), max: Math.max(...m) }))
}

/** A Markdown table's header line and separator. */
export const tableHeader = (columns: readonly string[]) => `| ${columns.join(' | ')} |\n|${columns.map(() => '---|').join('')}`

export const tableRow = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`

// ---- the server in a child process ----

const ROOT = resolve(import.meta.dirname, '..')

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => ok(port))
    })
    s.on('error', fail)
  })
}

export interface ChildServer {
  child: ChildProcess
  base: string
  /** The signed-in user's session cookie (name=value). */
  cookie: string
}

/** VmHWM of a process: its peak resident set so far, MB. */
export function peakRssMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN
}

/** The child has ended (exit code or signal). */
export const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null

/**
 * Starts server/src/main.ts with `env` (plus a free port on loopback and warn-level logs), waits for
 * /health and signs `user` in (the user must exist in the database the env names).
 */
export async function startChildServer(env: Record<string, string | undefined>, user: { username: string; password: string }): Promise<ChildServer> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], {
    env: { CHAIWEI_LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (exited(child)) throw new Error(`the server exited with ${child.exitCode ?? child.signalCode}`)
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false)
    if (ok) break
    if (i > 600) throw new Error('the server did not answer /health within 60 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.username, password: user.password }) })
  if (!res.ok) throw new Error(`sign-in: ${res.status} ${await res.text()}`)
  const cookie = /chaiwei_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  if (!cookie) throw new Error('no session cookie')
  return { child, base, cookie }
}

export async function stopServer(s: { child: ChildProcess }) {
  if (exited(s.child)) return
  const gone = new Promise((r) => s.child.once('exit', r))
  s.child.kill('SIGTERM')
  await gone
}
