// Importing 100,000 patches (卫片图斑): time and peak memory (RSS) to stage and to commit, per
// format, each run in a fresh process on a fresh embedded database with the 'tiny' sample. On a
// real server each run is followed, in the same invocation, by GDAL's ogr2ogr loading the same file
// into a new table of a database like the project's (COPY, GDAL's defaults), then by a hand-written
// INSERT of the valid, placed patches into `detections`: ratios to ogr2ogr and to ogr2ogr + SQL.
// Usage:
//   npx tsx bench/patch-import.bench.ts [count] [repeats] [formats]     e.g. 100000 5 geojson,shapefile
//   DATABASE_URL=postgres://… npx tsx bench/patch-import.bench.ts       real server (fresh database each run)
//   BENCH_SCREEN=1 …                                                    also time screenBatch in the commit
//   BENCH_OGR=0 …                                                       without the ogr2ogr (+ SQL) runs
//   BENCH_DIR=/tmp/x …                                                  keep the written files there (and reuse them)
//   BENCH_TEMPLATE=chaiwei_city …   each project run imports into a copy of that loaded database (the
//                                   city sample: 100,000 patches, 1,000,000 buildings already there);
//                                   ogr2ogr and its SQL run into another copy
// Prints a Markdown table (medians) for bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Feature, MultiPolygon } from 'geojson'
import type { Db } from '../server/src/db/db.ts'
import { writeCsvWkt, writeGeoJson, writeGeoPackage, writeKml, writeShapefileZip } from '../server/src/imports/formats/writers.ts'
import { CHANGE_TYPES, guessMapping, stageImport } from '../server/src/imports/patch-import.ts'
import { commitImport, createImport, getImport } from '../server/src/repos/detection-imports.repo.ts'
import { screenBatch } from '../server/src/repos/detection-screening.repo.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
import pg from 'pg'
import { median, migrateAndLoad, openBenchDb, tableHeader, tableRow } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const SELF = fileURLToPath(import.meta.url)
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const open = () => openBenchDb(`chaiwei_bench_patches_${process.pid}`)

/** n patches: the sample's building footprints, repeated with small shifts, all inside the district. */
async function patches(db: Db, n: number): Promise<Feature<MultiPolygon>[]> {
  const r = await db.query<{ geom: string }>('SELECT ST_AsGeoJSON(geom, 7) AS geom FROM buildings ORDER BY id')
  const base = r.rows.map((x) => JSON.parse(x.geom) as MultiPolygon)
  const out: Feature<MultiPolygon>[] = []
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / base.length)
    const dx = (k % 6) * 0.00025
    const dy = Math.floor(k / 6) * 0.00025
    const g = base[i % base.length]!
    out.push({
      type: 'Feature',
      properties: { 图斑编号: `B${String(i + 1).padStart(6, '0')}`, 前时相: '2026-03-15', 后时相: '2026-09-20', 变化类型: ['新增建筑', '扩建', '推填土'][i % 3], 面积: 100 + (i % 500), 置信度: 0.9 },
      geometry: { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((ring) => ring.map(([x, y]) => [Math.round((x! + dx) * 1e7) / 1e7, Math.round((y! + dy) * 1e7) / 1e7]))) },
    })
  }
  return out
}

// ogr: what ogr2ogr is given to read the same file (null: not compared)
const WRITERS = {
  geojson: { file: 'patches.geojson', write: (f: Feature[]) => writeGeoJson(f, { layerName: 'patches' }), crs: null, ogr: (p: string) => [p] },
  shapefile: { file: 'patches.zip', write: (f: Feature[]) => writeShapefileZip(f, { layerName: 'patches', crs: 'EPSG:4527' }), crs: null, ogr: (p: string) => [`/vsizip/${p}`] },
  gpkg: { file: 'patches.gpkg', write: (f: Feature[]) => writeGeoPackage(f, { layerName: 'patches', crs: 'EPSG:4548' }), crs: null, ogr: (p: string) => [p] },
  csv: { file: 'patches.csv', write: (f: Feature[]) => writeCsvWkt(f, { layerName: 'patches' }), crs: 'EPSG:4326', ogr: null },
  kml: { file: 'patches.kml', write: (f: Feature[]) => writeKml(f, { layerName: 'patches' }), crs: null, ogr: null },
} as const
type FormatName = keyof typeof WRITERS

async function prepare(dir: string, n: number, formats: FormatName[]) {
  const { db, drop } = await open()
  await migrateAndLoad(db, 'tiny')
  const features = await patches(db, n)
  await drop()
  for (const f of formats) writeFileSync(join(dir, WRITERS[f].file), await WRITERS[f].write(features))
}

interface RunResult { stageS: number; commitS: number; screenS: number; baseRssMb: number; peakRssMb: number; imported: number; problems: number }

async function runOne(path: string, crs: string | null): Promise<RunResult> {
  const template = process.env.BENCH_TEMPLATE
  const { db, drop } = await openBenchDb(`chaiwei_bench_patches_${process.pid}`, template)
  try {
    if (!template) await migrateAndLoad(db, 'tiny')
    const user = await createUser(db, { username: 'bench', password: 'correct horse battery', role: 'planner', scopeCode: '110111' })
    global.gc?.()
    const baseRss = process.memoryUsage().rss
    const id = randomUUID()
    await createImport(db, { id, userId: user.id, scope: scopeOf('110111'), fileName: path, filePath: path, byteSize: statSync(path).size, userCrs: crs, userEncoding: null })
    const t0 = performance.now()
    const outcome = await stageImport(db, id, user.id)
    const t1 = performance.now()
    if (outcome.state !== 'staged') throw new Error(`not staged: ${JSON.stringify((await getImport(db, id, user.id))?.error)}`)
    const imp = (await getImport(db, id, user.id))!
    const problems = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM detection_import_features WHERE import_id = $1 AND (geom_problem IS NOT NULL OR attr_problem IS NOT NULL)', [id])
    const result = await commitImport(db, imp, { name: 'bench', issuer: 'ministry', beforeDate: '2026-03-15', afterDate: '2026-09-20', deadline: null }, true)
    const t2 = performance.now()
    // screening (repos/detection-screening.repo.ts) runs after the commit, as the route does; timed apart
    let screenS = Number.NaN
    if (process.env.BENCH_SCREEN === '1') {
      try {
        await screenBatch(db, result.batchId)
        screenS = (performance.now() - t2) / 1000
      } catch (err) {
        console.error(`screening failed after ${((performance.now() - t2) / 1000).toFixed(1)} s: ${(err as Error).message}`)
      }
    }
    return {
      stageS: (t1 - t0) / 1000, commitS: (t2 - t1) / 1000, screenS, baseRssMb: mb(baseRss), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      imported: result.imported, problems: problems.rows[0]!.n,
    }
  } finally {
    await drop()
  }
}

interface OgrResult { seconds: number; peakRssMb: number; rows: number; sqlS: number; committed: number }

/**
 * The same file the way a GIS engineer would do it by hand: ogr2ogr loads it into a new table
 * (GDAL's defaults: COPY, a GiST index built after) of a database like the project's (the 'tiny'
 * sample, or a copy of BENCH_TEMPLATE), then one hand-written INSERT puts the valid, placed patches
 * into `detections` (handWrittenCommit). Wall times of both, ogr2ogr's peak RSS (/usr/bin/time -v).
 */
async function runOgr(source: string[], run: number): Promise<OgrResult> {
  const template = process.env.BENCH_TEMPLATE
  const name = `chaiwei_bench_import_ogr_${process.pid}_${run}`
  const { db, drop } = await openBenchDb(name, template)
  try {
    if (!template) await migrateAndLoad(db, 'tiny')
    const url = new URL(process.env.DATABASE_URL!)
    const conn = [`dbname=${name}`, `host=${url.hostname || '127.0.0.1'}`, `port=${url.port || 5432}`, `user=${decodeURIComponent(url.username) || 'postgres'}`]
    if (url.password) conn.push(`password=${decodeURIComponent(url.password)}`)
    const timeFile = join(tmpdir(), `chaiwei-bench-ogr-${process.pid}-${run}.time`)
    const t0 = performance.now()
    const r = spawnSync('/usr/bin/time', ['-v', '-o', timeFile, 'ogr2ogr', '-f', 'PostgreSQL', `PG:${conn.join(' ')}`, ...source,
      '-nln', 'ogr_patches', '-lco', 'GEOMETRY_NAME=geom', '-lco', 'FID=ogc_fid', '-t_srs', 'EPSG:4326', '-nlt', 'PROMOTE_TO_MULTI'], { encoding: 'utf8' })
    const seconds = (performance.now() - t0) / 1000
    const time = readFileSync(timeFile, 'utf8')
    rmSync(timeFile, { force: true })
    if (r.status !== 0) throw new Error(`ogr2ogr failed: ${r.stderr}`)
    const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ogr_patches')).rows[0]!.n
    const t1 = performance.now()
    const committed = await handWrittenCommit(db)
    return { seconds, peakRssMb: Math.round(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(time)![1]) / 1024), rows, sqlS: (performance.now() - t1) / 1000, committed }
  } finally {
    await drop()
  }
}

/**
 * Hand-written SQL that gives the project's committed result from ogr2ogr's table, as a GIS
 * engineer fluent in PostGIS would write it: a batch, then every valid patch whose point on surface
 * lies in the district, placed in its smallest admin unit (set-based: the points in a temporary
 * table with a GiST index, each unit finding its points, as the project does), its change type
 * matched with the project's patterns, the file's attributes kept. It checks less than the project
 * (no review, no duplicate or date checks, no repairs), so it is a lower bound.
 */
async function handWrittenCommit(db: Db): Promise<number> {
  const cols = (await db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'ogr_patches' AND column_name NOT IN ('ogc_fid', 'geom') ORDER BY ordinal_position`)).rows.map((c) => c.column_name)
  const m = guessMapping(cols)
  const col = (c: string | null) => (c ? `o.${pg.escapeIdentifier(c)}` : 'NULL')
  return db.transaction(async (tx) => {
    const b = await tx.query<{ id: number }>(`INSERT INTO detection_batches (name, issuer, before_date, after_date, source_format) VALUES ('ogr', 'ministry', '2026-03-15', '2026-09-20', 'ogr2ogr') RETURNING id`)
    await tx.query('CREATE TEMPORARY TABLE ogr_points ON COMMIT DROP AS SELECT ogc_fid, ST_PointOnSurface(geom) AS pt FROM ogr_patches WHERE ST_IsValid(geom)')
    await tx.query('CREATE INDEX ON ogr_points USING gist (pt)')
    await tx.query('ANALYZE ogr_points')
    const ins = await tx.query(
      `INSERT INTO detections (batch_id, patch_no, admin_code, change_type, confidence, recorded_area_m2, source_attributes, geom)
       SELECT $1, ${col(m.patchNo)}::text, w.code,
         CASE WHEN ${col(m.changeType)}::text ~* $2 THEN 'new_building' WHEN ${col(m.changeType)}::text ~* $3 THEN 'extension'
              WHEN ${col(m.changeType)}::text ~* $4 THEN 'land_cleared' ELSE 'other' END,
         ${col(m.confidence)}::numeric(4, 3), ${col(m.area)}::numeric(12, 2),
         jsonb_build_object(${cols.map((c) => `${pg.escapeLiteral(c)}, ${col(c)}`).join(', ')}), o.geom
       FROM ogr_patches o JOIN (
         SELECT DISTINCT ON (p.ogc_fid) p.ogc_fid, a.code FROM admin_units a JOIN ogr_points p ON ST_Intersects(a.geom, p.pt)
         ORDER BY p.ogc_fid, length(a.code) DESC, a.code
       ) w USING (ogc_fid)
       WHERE w.code LIKE $5 ORDER BY o.ogc_fid`,
      [b.rows[0]!.id, CHANGE_TYPES.new_building, CHANGE_TYPES.extension, CHANGE_TYPES.land_cleared, '110111%'],
    )
    return ins.rowCount
  })
}

async function main() {
  if (process.argv[2] === 'run') {
    const r = await runOne(process.argv[3]!, process.argv[4] === '-' ? null : process.argv[4]!)
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`)
    return
  }
  const n = Number(process.argv[2] ?? 100_000)
  const repeats = Number(process.argv[3] ?? 3)
  const formats = (process.argv[4] ?? 'geojson,shapefile,gpkg,csv,kml').split(',') as FormatName[]
  const keep = process.env.BENCH_DIR ? join(process.env.BENCH_DIR, String(n)) : null
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'chaiwei-bench-patches-'))
  try {
    const t0 = performance.now()
    if (keep) mkdirSync(keep, { recursive: true })
    const missing = formats.filter((f) => !existsSync(join(dir, WRITERS[f].file)))
    if (missing.length) await prepare(dir, n, missing)
    const into = process.env.BENCH_TEMPLATE ? `into a copy of ${process.env.BENCH_TEMPLATE}` : "into the 'tiny' sample"
    console.log(`backend ${process.env.DATABASE_URL ? 'postgis' : 'pglite'}, ${n.toLocaleString('en')} patches ${into}, files written in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${repeats} runs each (fresh process and database per run)\n`)
    const withOgr = Boolean(process.env.DATABASE_URL) && process.env.BENCH_OGR !== '0'
    const lines: string[] = []
    for (const f of formats) {
      const path = join(dir, WRITERS[f].file)
      const ogrSource = withOgr ? WRITERS[f].ogr?.(path) ?? null : null
      const runs: RunResult[] = []
      const ogr: OgrResult[] = []
      // side by side: each project run is followed by an ogr2ogr run of the same file
      for (let i = 0; i < repeats; i++) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, 'run', path, WRITERS[f].crs ?? '-'], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] })
        const r = JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as RunResult
        runs.push(r)
        const o = ogrSource ? await runOgr(ogrSource, i) : null
        if (o) ogr.push(o)
        console.error(`${f} run ${i + 1}: project ${r.stageS.toFixed(2)} + ${r.commitS.toFixed(2)} s, peak ${r.peakRssMb} MB` + (o ? `; ogr2ogr ${o.seconds.toFixed(2)} s, peak ${o.peakRssMb} MB, ${o.rows} rows; + SQL ${o.sqlS.toFixed(2)} s, ${o.committed} committed` : ''))
      }
      const m = (k: keyof RunResult) => median(runs.map((r) => r[k]))
      const total = median(runs.map((r) => r.stageS + r.commitS))
      const ogrS = ogr.length ? median(ogr.map((o) => o.seconds)) : Number.NaN
      const ogrSqlS = ogr.length ? median(ogr.map((o) => o.seconds + o.sqlS)) : Number.NaN
      const or = (v: string) => (ogr.length ? v : '–')
      lines.push(tableRow([f, mb(statSync(path).size), n.toLocaleString('en'), `${m('stageS').toFixed(2)} / ${m('commitS').toFixed(2)} / ${total.toFixed(2)}`,
        process.env.BENCH_SCREEN === '1' ? m('screenS').toFixed(1) : '–', or(ogrS.toFixed(2)), or((total / ogrS).toFixed(2)),
        or(`${median(ogr.map((o) => o.sqlS)).toFixed(2)} / ${ogrSqlS.toFixed(2)}`), or((total / ogrSqlS).toFixed(2)),
        m('baseRssMb'), m('peakRssMb'), or(String(median(ogr.map((o) => o.peakRssMb)))), m('imported') + (ogr.length ? ` (by hand ${median(ogr.map((o) => o.committed))})` : '')]))
    }
    console.log(tableHeader(['format', 'file MB', 'features', 'project s (stage / commit / total)', 'screening s', 'ogr2ogr s', 'ratio project/ogr2ogr', 'hand-written SQL s / ogr2ogr + SQL s', 'ratio project/(ogr2ogr + SQL)', 'project RSS before MB', 'project peak RSS MB', 'ogr2ogr peak RSS MB', 'imported']))
    for (const l of lines) console.log(l)
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true })
  }
}

await main()
