// Importing 100,000 patches (卫片图斑): time and peak memory (RSS) to stage and to commit, per
// format, each run in a fresh process on a fresh embedded database with the 'tiny' sample.
// Usage:
//   npx tsx bench/patch-import.bench.ts [count] [repeats] [formats]     e.g. 100000 3 geojson,shapefile
//   DATABASE_URL=postgres://… npx tsx bench/patch-import.bench.ts       real server (fresh database each run)
//   BENCH_SCREEN=1 …                                                    also time screenBatch in the commit
// Prints a Markdown table (medians) for bench/README.md.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Feature, MultiPolygon } from 'geojson'
import type { Db } from '../server/src/db/db.ts'
import { writeCsvWkt, writeGeoJson, writeGeoPackage, writeKml, writeShapefileZip } from '../server/src/imports/formats/writers.ts'
import { stageImport } from '../server/src/imports/patch-import.ts'
import { commitImport, createImport, getImport } from '../server/src/repos/detection-imports.repo.ts'
import { screenBatch } from '../server/src/repos/detection-screening.repo.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
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

const WRITERS = {
  geojson: { file: 'patches.geojson', write: (f: Feature[]) => writeGeoJson(f, { layerName: 'patches' }), crs: null },
  shapefile: { file: 'patches.zip', write: (f: Feature[]) => writeShapefileZip(f, { layerName: 'patches', crs: 'EPSG:4527' }), crs: null },
  gpkg: { file: 'patches.gpkg', write: (f: Feature[]) => writeGeoPackage(f, { layerName: 'patches', crs: 'EPSG:4548' }), crs: null },
  csv: { file: 'patches.csv', write: (f: Feature[]) => writeCsvWkt(f, { layerName: 'patches' }), crs: 'EPSG:4326' },
  kml: { file: 'patches.kml', write: (f: Feature[]) => writeKml(f, { layerName: 'patches' }), crs: null },
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
  const { db, drop } = await open()
  try {
    await migrateAndLoad(db, 'tiny')
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

async function main() {
  if (process.argv[2] === 'run') {
    const r = await runOne(process.argv[3]!, process.argv[4] === '-' ? null : process.argv[4]!)
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`)
    return
  }
  const n = Number(process.argv[2] ?? 100_000)
  const repeats = Number(process.argv[3] ?? 3)
  const formats = (process.argv[4] ?? 'geojson,shapefile,gpkg,csv,kml').split(',') as FormatName[]
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-bench-patches-'))
  try {
    const t0 = performance.now()
    await prepare(dir, n, formats)
    console.log(`backend ${process.env.DATABASE_URL ? 'postgis' : 'pglite'}, ${n.toLocaleString('en')} patches, files written in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${repeats} runs each (fresh process and database per run)\n`)
    console.log(tableHeader(['format', 'file MB', 'stage s', 'commit s', 'screening s', 'RSS before MB', 'peak RSS MB', 'imported']))
    for (const f of formats) {
      const path = join(dir, WRITERS[f].file)
      const runs: RunResult[] = []
      for (let i = 0; i < repeats; i++) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, 'run', path, WRITERS[f].crs ?? '-'], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] })
        runs.push(JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as RunResult)
      }
      const m = (k: keyof RunResult) => median(runs.map((r) => r[k]))
      console.log(tableRow([f, mb(statSync(path).size), m('stageS').toFixed(1), m('commitS').toFixed(1), process.env.BENCH_SCREEN === '1' ? m('screenS').toFixed(1) : '–', m('baseRssMb'), m('peakRssMb'), m('imported')]))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
