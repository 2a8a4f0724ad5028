// Loading a district's building footprints through the real HTTP API (docs/api-onboarding.md):
// n buildings (default 1,000,000), small squares on a grid inside the sample district's villages,
// written by GDAL's ogr2ogr as a GeoPackage (EPSG:4490) and as a zipped GBK Shapefile
// (EPSG:4527), uploaded to a server running in a child process on a fresh database that holds only
// the admin units. Measured per run: seconds from upload to `staged`, from commit to `committed`
// (writing and re-deriving), and the server's peak RSS (VmHWM of its process) after staging and at
// the end. Once per format: a second upload cancelled in the middle of its commit (on PostgreSQL)
// or of its read (embedded: a commit there holds the one connection and is not interrupted,
// decision 48), then checked to have left no trace (buildings, load history, staging rows and
// temp files as before).
// Each run's figures, with the seconds at which each phase (reading, checking; writing, deriving) was
// first seen, go to stderr as the run ends. BENCH_CANCEL=0 skips the cancel.
// Usage:
//   npx tsx bench/layer-import.bench.ts [count] [repeats] [formats]        e.g. 1000000 3 gpkg,shapefile
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/chaiwei_dev npx tsx bench/layer-import.bench.ts …
//        (a fresh database chaiwei_bench_layers_PID on that server per run, dropped afterwards)
// Needs gdal-bin (ogr2ogr). Prints Markdown tables for bench/README.md. Not part of CI.
import { execFileSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, openAsBlob, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { zipSync } from 'fflate'
import pg from 'pg'
import type { Db } from '../server/src/db/db.ts'
import { migrate } from '../server/src/db/migrate.ts'
import { openPgDb } from '../server/src/db/pg.db.ts'
import { openPgliteDb } from '../server/src/db/pglite.db.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
import { loadAdminUnits } from '../data/sample/admin-units.ts'
import { exited, median, peakRssMb, startChildServer, stopServer, tableHeader, tableRow, type ChildServer } from './bench-lib.ts'

const DATABASE_URL = process.env.DATABASE_URL || undefined
const USER = { username: 'bench-admin', password: 'correct horse battery', role: 'admin' as const, scopeCode: '110111' }
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const seconds = (ms: number) => Math.round(ms / 100) / 10

// ---- a database with the district's admin units and one admin ----

interface RunDb {
  /** server environment that points at it */
  env: Record<string, string>
  /** opens it from this process (only while no server holds it: PGlite is single-process) */
  open(): Promise<Db>
  drop(): Promise<void>
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: DATABASE_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function freshRunDb(work: string, run: number): Promise<RunDb> {
  let db: RunDb
  if (DATABASE_URL) {
    const name = `chaiwei_bench_layers_${process.pid}_${run}`
    await pgAdmin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name}`)
      await c.query(`CREATE DATABASE ${name}`)
    })
    const u = new URL(DATABASE_URL)
    u.pathname = `/${name}`
    const url = u.toString()
    db = { env: { DATABASE_URL: url }, open: () => openPgDb(url, { max: 2, statementTimeoutMs: 0 }) /* the grid for 1,000,000 outlasts the 30 s default */, drop: () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`)).then(() => {}) }
  } else {
    const dataDir = join(work, `pglite-${run}`)
    db = { env: { CHAIWEI_DATA_DIR: dataDir }, open: () => openPgliteDb({ dataDir }), drop: async () => rmSync(dataDir, { recursive: true, force: true }) }
  }
  const d = await db.open()
  try {
    await migrate(d)
    await d.transaction((tx) => loadAdminUnits(tx, () => {}))
    await createUser(d, USER)
  } finally {
    await d.close()
  }
  return db
}

// ---- the footprints and their files ----

/** n squares of 12 m on a grid inside villages (whole squares only), as GeoJSON lon/lat; the grid's spacing fits n into the villages. */
async function writeFootprints(db: Db, n: number, file: string) {
  const area = (await db.query<{ m2: number }>(`SELECT sum(ST_Area(geom::geography)) AS m2 FROM admin_units WHERE level = 'village'`)).rows[0]!.m2
  let spacing = Math.floor(Math.sqrt(area / (n * 1.1)))
  for (;;) {
    const r = await db.query<{ x: number; y: number }>(
      // villages cut into pieces of at most 64 vertices first: containment tests against whole villages take minutes at 1,000,000 cells
      `WITH v AS (SELECT code, ST_Subdivide(ST_Transform(geom, 4548), 64) AS g FROM admin_units WHERE level = 'village'),
            c AS (SELECT v.code, ST_Centroid(s.geom) AS p FROM v, ST_SquareGrid($1, v.g) s WHERE ST_Contains(v.g, ST_Expand(ST_Centroid(s.geom), 7)))
       SELECT ST_X(p) AS x, ST_Y(p) AS y FROM c ORDER BY code, ST_Y(p), ST_X(p) LIMIT $2`,
      [spacing, n],
    )
    if (r.rows.length < n) {
      spacing = Math.floor(spacing * 0.9)
      continue
    }
    // corners in Gauss-Krüger (EPSG:4548), converted by PostGIS in one statement per 100,000
    const out = createWriteStream(file)
    out.write('{"type":"FeatureCollection","name":"FW","features":[\n')
    const uses = ['住宅', '住宅', '住宅', '仓储', '商业', '办公', '工业', '其他']
    const structures = ['砖混', '砖木', '钢结构', '框架', '简易', '其他']
    for (let i = 0; i < n; i += 100_000) {
      const chunk = r.rows.slice(i, i + 100_000)
      const g = await db.query<{ j: string }>(
        `SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_MakeEnvelope(x - 6, y - 6, x + 6, y + 6), 4548), 4326), 8) AS j
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY t(x, y, k) ORDER BY k`,
        [chunk.map((p) => p.x), chunk.map((p) => p.y)],
      )
      let s = ''
      g.rows.forEach((row, k) => {
        const no = i + k
        const props = { 层数: 1 + (no % 6), 结构: structures[no % structures.length], 用途: uses[no % uses.length], 建成年份: 1980 + (no % 45) }
        s += `${no === 0 ? '' : ',\n'}{"type":"Feature","properties":${JSON.stringify(props)},"geometry":${row.j}}`
      })
      await new Promise<void>((ok, fail) => out.write(s, (err) => (err ? fail(err) : ok())))
    }
    await new Promise<void>((ok) => out.end(']}\n', () => ok()))
    return spacing
  }
}

const FORMATS = {
  gpkg: { file: 'FW.gpkg', expect: { format: 'gpkg', crs: 'EPSG:4490' } },
  shapefile: { file: 'FW.zip', expect: { format: 'shapefile', crs: 'EPSG:4527' } },
} as const
type FormatName = keyof typeof FORMATS

async function prepareFiles(work: string, n: number, formats: FormatName[]) {
  const t0 = performance.now()
  const rdb = await freshRunDb(work, 0)
  const db = await rdb.open()
  const source = join(work, 'FW.geojson')
  let spacing: number
  try {
    spacing = await writeFootprints(db, n, source)
  } finally {
    await db.close()
    await rdb.drop()
  }
  for (const f of formats) {
    if (f === 'gpkg') execFileSync('ogr2ogr', ['-f', 'GPKG', join(work, 'FW.gpkg'), source, '-nln', 'FW', '-t_srs', 'EPSG:4490'])
    else {
      const folder = join(work, 'shp')
      mkdirSync(folder)
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', folder, source, '-nln', 'FW', '-t_srs', 'EPSG:4527', '-lco', 'ENCODING=GBK'])
      const files: Record<string, Uint8Array> = {}
      for (const x of readdirSync(folder)) files[x] = readFileSync(join(folder, x))
      writeFileSync(join(work, 'FW.zip'), zipSync(files, { level: 1 }))
      rmSync(folder, { recursive: true, force: true })
    }
  }
  rmSync(source)
  return { spacing, seconds: seconds(performance.now() - t0) }
}

// ---- the server in a child process ----

interface Server extends ChildServer { tmp: string }

async function startServer(work: string, run: number, db: RunDb): Promise<Server> {
  const tmp = join(work, `server-tmp-${run}`)
  mkdirSync(tmp)
  const env: Record<string, string | undefined> = {
    ...process.env, ...db.env, CHAIWEI_SAMPLE: 'none',
    CHAIWEI_IMPORT_MAX_BYTES: String(2 * 1024 ** 3), CHAIWEI_UPLOAD_DIR: join(tmp, 'uploads'), TMPDIR: tmp,
  }
  if (!db.env.DATABASE_URL) delete env.DATABASE_URL
  return { ...(await startChildServer(env, USER)), tmp }
}

type View = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(s: Server, method: string, path: string, body?: unknown, expect = [200]): Promise<{ status: number; json: View | null }> {
  const res = await fetch(`${s.base}${path}`, {
    method, headers: { cookie: s.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`)
  return { status: res.status, json: text ? (JSON.parse(text) as View) : null }
}

/** Polls an import until `until` says so (every `everyMs`). */
async function poll(s: Server, id: string, until: (v: View) => boolean, everyMs = 250, seen: (v: View) => void = () => {}): Promise<View> {
  for (;;) {
    if (exited(s.child)) throw new Error(`the server exited (${s.child.exitCode ?? s.child.signalCode}) while import ${id} ran`)
    const v = (await call(s, 'GET', `/api/layer-imports/${id}`)).json!
    seen(v)
    if (until(v)) return v
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

const settled = (v: View) => v.state !== 'reading' && v.state !== 'committing'

async function upload(s: Server, path: string, fileName: string): Promise<string> {
  const form = new FormData()
  form.append('layer', 'buildings')
  form.append('file', await openAsBlob(path), fileName)
  const res = await fetch(`${s.base}/api/layer-imports`, { method: 'POST', headers: { cookie: s.cookie }, body: form })
  const text = await res.text()
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${text.slice(0, 500)}`)
  return (JSON.parse(text) as View).id as string
}

/** Seconds from `t0` at which each progress phase was first seen by a poll (every 250 ms), into `into`. */
const phaseClock = (t0: number, into: Record<string, number>) => (v: View) => {
  const phase = v.progress?.phase as string | null | undefined
  if (phase && !(phase in into)) into[phase] = seconds(performance.now() - t0)
}

async function stage(s: Server, path: string, f: FormatName, n: number, phases: Record<string, number> = {}): Promise<{ id: string; ms: number }> {
  const t0 = performance.now()
  const id = await upload(s, path, FORMATS[f].file)
  const v = await poll(s, id, settled, 250, phaseClock(t0, phases))
  const ms = performance.now() - t0
  if (v.state !== 'staged') throw new Error(`${f}: not staged: ${v.state} ${JSON.stringify(v.error)}`)
  if (v.format !== FORMATS[f].expect.format || v.crs?.code !== FORMATS[f].expect.crs) throw new Error(`${f}: read as ${v.format} ${v.crs?.code}`)
  if (v.featureCount !== n || v.problemCount !== 0) throw new Error(`${f}: ${v.featureCount} features, ${v.problemCount} problems: ${JSON.stringify(v.problems?.slice(0, 3))}`)
  return { id, ms }
}

interface RunResult {
  stagedS: number; committedS: number; rssStagedMb: number; rssPeakMb: number; inserted: number; derived: string
  /** seconds after the upload, and after the commit, at which each phase was first seen */
  stagePhases: Record<string, number>; commitPhases: Record<string, number>
}

async function timedRun(s: Server, path: string, f: FormatName, n: number): Promise<RunResult> {
  const stagePhases: Record<string, number> = {}
  const commitPhases: Record<string, number> = {}
  const { id, ms: stageMs } = await stage(s, path, f, n, stagePhases)
  const rssStagedMb = peakRssMb(s.child.pid!)
  const t1 = performance.now()
  await call(s, 'POST', `/api/layer-imports/${id}/commit`, { mode: 'replace' }, [202])
  const v = await poll(s, id, settled, 250, phaseClock(t1, commitPhases))
  const commitMs = performance.now() - t1
  if (v.state !== 'committed') throw new Error(`${f}: commit ended ${v.state}: ${JSON.stringify(v.error)}`)
  return {
    stagedS: seconds(stageMs), committedS: seconds(commitMs), rssStagedMb, rssPeakMb: peakRssMb(s.child.pid!),
    inserted: v.result.inserted as number, derived: ((v.result.derived ?? []) as View[]).map((d) => d.what).join(', ') || '–', stagePhases, commitPhases,
  }
}

/** Files under a folder, recursively. */
function filesUnder(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? filesUnder(join(dir, e.name)) : 1
  return n
}

/** Files the server keeps in its temp folder (the upload spool, unzipped Shapefiles: chaiwei-*; not tsx's compile cache). */
function tempFiles(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.name.startsWith('chaiwei-')) n += e.isDirectory() ? filesUnder(join(dir, e.name)) : 1
  return n
}

interface Trace { buildings: number; maxId: number | null; loads: number; staged: number }

async function traceOf(db: Db): Promise<Trace> {
  const r = await db.query<Trace>(
    `SELECT (SELECT count(*) FROM buildings)::int AS buildings, (SELECT max(id) FROM buildings)::int AS "maxId",
            (SELECT count(*) FROM layer_loads)::int AS loads, (SELECT count(*) FROM layer_import_features)::int AS staged`,
  )
  return r.rows[0]!
}

/**
 * Where the cancel lands. On PostgreSQL: a second commit (replace) of the same file, cancelled once
 * a fifth is written. On the embedded database a running commit holds its one connection, so a poll
 * or a DELETE waits until the commit has ended (decision 48, docs/api-onboarding.md): there the
 * cancel stops a second upload once a fifth of it is read into staging.
 */
const CANCEL_DURING: 'writing' | 'reading' = DATABASE_URL ? 'writing' : 'reading'

/** Uploads the file again and cancels it in the middle (CANCEL_DURING); what is left. */
async function cancelRun(s: Server, path: string, f: FormatName, n: number) {
  let id: string
  let tempBefore: number
  let at: View
  if (CANCEL_DURING === 'writing') {
    id = (await stage(s, path, f, n)).id
    tempBefore = tempFiles(s.tmp)
    await call(s, 'POST', `/api/layer-imports/${id}/commit`, { mode: 'replace' }, [202])
    // a fifth written (a file of one or two 20,000-feature slices: as soon as the writing begins), or already deriving
    const fifth = Math.max(0, Math.min(n / 5, n - 40_000))
    at = await poll(s, id, (v) => settled(v) || (v.progress?.phase === 'writing' && v.progress.done >= fifth) || v.progress?.phase === 'deriving', 50)
  } else {
    id = await upload(s, path, FORMATS[f].file)
    // a fifth read into staging, or (a small file) already checking it
    at = await poll(s, id, (v) => settled(v) || (v.progress?.phase === 'reading' && v.progress.done >= n / 5) || v.progress?.phase === 'checking', 50)
    tempBefore = tempFiles(s.tmp)
  }
  if (settled(at)) throw new Error(`${f}: the ${CANCEL_DURING === 'writing' ? 'commit' : 'read'} ended (${at.state}) before it could be cancelled`)
  const t0 = performance.now()
  const del = await call(s, 'DELETE', `/api/layer-imports/${id}`, undefined, [204])
  const answerS = seconds(performance.now() - t0)
  const after = await call(s, 'GET', `/api/layer-imports/${id}`, undefined, [200, 404])
  const p = at.progress as { phase: string; done: number; total: number | null }
  return {
    cancelledAt: `${p.phase} ${p.total ? Math.round((100 * p.done) / p.total) : '?'} %`,
    answer: del.status, answerS, stateAfter: after.status === 404 ? '404' : (after.json!.state as string),
    tempFilesBefore: tempBefore, tempFilesAfter: tempFiles(s.tmp),
  }
}

// ---- one run per child process ----

async function runOne(work: string, run: number, path: string, f: FormatName, n: number, withCancel: boolean) {
  const db = await freshRunDb(work, run)
  const servers: Server[] = []
  const trace = async () => {
    const d = await db.open()
    try {
      return await traceOf(d)
    } finally {
      await d.close()
    }
  }
  try {
    const first = await startServer(work, run, db)
    servers.push(first)
    const result = await timedRun(first, path, f, n)
    await stopServer(first)
    if (!withCancel) return { result }
    // a new server process, so the cancelled commit is not measured with the timed one
    const before = await trace()
    const second = await startServer(work, run + 1000, db)
    servers.push(second)
    const c = await cancelRun(second, path, f, n)
    await stopServer(second)
    return { result, cancel: { ...c, before, after: await trace() } }
  } finally {
    for (const s of servers) await stopServer(s)
    await db.drop()
  }
}

async function main() {
  const n = Number(process.argv[2] ?? 1_000_000)
  const repeats = Number(process.argv[3] ?? 3)
  const formats = (process.argv[4] ?? 'gpkg,shapefile').split(',') as FormatName[]
  for (const f of formats) if (!(f in FORMATS)) throw new Error(`unknown format ${f}; use ${Object.keys(FORMATS).join(',')}`)
  const work = mkdtempSync(join(tmpdir(), 'chaiwei-bench-layers-'))
  try {
    const files = await prepareFiles(work, n, formats)
    const backend = DATABASE_URL ? 'postgis' : 'pglite'
    console.log(`backend ${backend}, ${n.toLocaleString('en')} buildings (12 m squares every ${files.spacing} m in the villages), files written in ${files.seconds} s; ` +
      `${repeats} run(s) per format, each on a fresh database with only the admin units and a fresh server process\n`)
    console.log(tableHeader(['format', 'file MB', 'upload → staged s', 'commit → committed s', 'peak RSS staged MB', 'peak RSS MB', 'inserted', 're-derived']))
    const cancels: string[] = []
    let run = 1
    for (const f of formats) {
      const path = join(work, FORMATS[f].file)
      const runs: RunResult[] = []
      for (let i = 0; i < repeats; i++) {
        const { result, cancel } = await runOne(work, run++, path, f, n, i === 0 && process.env.BENCH_CANCEL !== '0')
        runs.push(result)
        // each run on stderr as it ends, so a long benchmark stopped early still says what it measured
        process.stderr.write(`${f} run ${i + 1}/${repeats}: ${JSON.stringify(result)}\n`)
        if (cancel) {
          const clean = JSON.stringify(cancel.after) === JSON.stringify(cancel.before) && cancel.tempFilesAfter === 0 && cancel.stateAfter !== 'committed'
          const t = (x: Trace) => `${x.buildings} / ${x.maxId} / ${x.loads} / ${x.staged}`
          cancels.push(tableRow([f, cancel.cancelledAt, `${cancel.answer} in ${cancel.answerS} s`, cancel.stateAfter, t(cancel.before), t(cancel.after),
            `${cancel.tempFilesBefore} → ${cancel.tempFilesAfter}`, clean ? 'yes' : 'NO']))
          process.stderr.write(`${f} cancel: ${cancels.at(-1)}\n`)
        }
      }
      const m = (k: 'stagedS' | 'committedS' | 'rssStagedMb' | 'rssPeakMb') => median(runs.map((r) => r[k]))
      console.log(tableRow([f, mb(statSync(path).size), m('stagedS'), m('committedS'), m('rssStagedMb'), m('rssPeakMb'), runs[0]!.inserted, runs[0]!.derived]))
    }
    console.log(CANCEL_DURING === 'writing' ? `\nCancelled in the middle of a second commit (replace) of the same file:\n` : `\nCancelled in the middle of reading a second upload of the same file (a commit on the embedded database cannot be interrupted, decision 48):\n`)
    console.log(tableHeader(['format', 'cancelled at', 'DELETE', 'GET after', 'before: buildings / max id / loads / staging rows', 'after', 'temp files', 'no trace']))
    for (const c of cancels) console.log(c)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
