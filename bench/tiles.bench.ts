// Tiles on the city sample, side by side: the project's tile (uncached), the bare
// `SELECT ST_AsMVT(...)` of the same table and tile, and MapServer 8 (Debian's mapserv, CGI, MVT
// output) reading the same table; then cached tiles through the HTTP server under load (wrk).
//
//   BENCH_DB=postgres://postgres@127.0.0.1:5432/chaiwei_city npx tsx bench/tiles.bench.ts 7
//       an already-loaded database (read only: the bench adds one user for the load test)
//   BENCH_ONLY=cached …                                               the load test only
//   BENCH_LAYERS=cases …                                              the uncached table for these layers only
//   DATABASE_URL=postgres://… npx tsx bench/tiles.bench.ts 7 city     a fresh database, loaded first
//   npx tsx bench/tiles.bench.ts 5 demo                                embedded (no MapServer, no bare SQL)
// Needs mapserver-bin and wrk (Debian) for those columns. Prints Markdown tables for bench/README.md.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { openPgDb } from '../server/src/db/pg.db.ts'
import type { Db } from '../server/src/db/db.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
import { LAYERS, type LayerSource } from '../server/src/sources/layers.ts'
import { TILE_BYTE_BUDGET, TileService, tileSelectList } from '../server/src/sources/tiles.ts'
import type { SampleSize } from '../data/sample/load-sample.ts'
import { migrateAndLoad, openBenchDb, startChildServer, stopServer, tableHeader, tableRow, timed, timedSideBySide } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const run = promisify(execFile)
const repeats = Number(process.argv[2] ?? 7)
const size = (process.argv[3] ?? 'city') as SampleSize
const BENCH_DB = process.env.BENCH_DB
/** BENCH_LAYERS=cases,roads: only those layers (default all six). */
const LAYER_IDS = process.env.BENCH_LAYERS?.split(',') ?? ['buildings', 'cases', 'detections', 'parcels', 'admin-units', 'roads']
/** BENCH_ONLY=cached: the load test only. */
const uncachedToo = process.env.BENCH_ONLY !== 'cached'
const ZOOMS = [8, 10, 12, 14, 16]

function tileAt(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) }
}

/** Median and max of `repeats` timings after one untimed call (plans and pages warm, as on a running server). */
const timedMs = (fn: () => Promise<unknown>) => timed(fn, repeats, { warm: true })

/**
 * The simplest tile query a PostGIS user writes: every row meeting the tile, encoded by PostGIS,
 * with the attributes the layer's tiles carry (columns, and computed ones such as a case's overdue
 * flag, so that both tiles hold the same content).
 */
const bareSql = (l: LayerSource) => `
  SELECT ST_AsMVT(t, '${l.id}', 4096, 'geom') AS tile
  FROM (SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom, ${tileSelectList(l).join(', ')}
        FROM ${l.table} WHERE geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)) t`

/** A MapServer map serving the same tables as MVT (EPSG:3857 tiles from lon/lat rows). */
function mapfile(url: URL): string {
  const conn = `host=${url.hostname} port=${url.port || 5432} dbname=${url.pathname.slice(1)} user=${decodeURIComponent(url.username) || 'postgres'}`
  const layers = LAYER_IDS.map((id) => LAYERS.find((l) => l.id === id)!).map((l) => `
  LAYER
    NAME "${l.id}"
    TYPE ${l.geometryKind === 'line' ? 'LINE' : 'POLYGON'}
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "${conn}"
    DATA "geom from ${l.table} using unique ${l.key} using srid=4326"
    PROJECTION "init=epsg:4326" END
    METADATA "gml_include_items" "${l.tileColumns.join(',')}" "gml_types" "auto" END
    CLASS END
  END`)
  return `MAP
  NAME "chaiwei"
  EXTENT -20037508.34 -20037508.34 20037508.34 20037508.34
  SIZE 256 256
  PROJECTION "init=epsg:3857" END
  OUTPUTFORMAT
    NAME "mvt"
    DRIVER MVT
    FORMATOPTION "EXTENT=4096"
    FORMATOPTION "EDGE_BUFFER=64"
  END
  ${layers.join('\n')}
END
`
}

async function mapserverTile(dir: string, layer: string, z: number, x: number, y: number): Promise<number> {
  const { stdout } = await run('mapserv', [], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      MAPSERVER_CONFIG_FILE: join(dir, 'ms.conf'),
      REQUEST_METHOD: 'GET',
      QUERY_STRING: `map=${join(dir, 'bench.map')}&mode=tile&tilemode=gmap&tile=${x}+${y}+${z}&layers=${layer}&map.imagetype=mvt`,
    },
  })
  const body = stdout.indexOf('\r\n\r\n')
  if (!/vnd\.mapbox-vector-tile/.test(stdout.subarray(0, Math.max(body, 0)).toString())) throw new Error(`mapserv: ${stdout.subarray(0, 400).toString()}`)
  return stdout.byteLength - body - 4
}

async function hasCommand(cmd: string, args: string[]) {
  return run(cmd, args).then(() => true, () => false)
}

// ---- the database ----
let db: Db
let close: () => Promise<void>
let note: string
if (BENCH_DB) {
  db = await openPgDb(BENCH_DB, { statementTimeoutMs: 600_000 })
  close = () => db.close()
  note = 'an already-loaded database'
} else {
  const fresh = await openBenchDb(`chaiwei_bench_${size}`)
  db = fresh.db
  close = fresh.drop
  const { migrateS, loadS } = await migrateAndLoad(db, size)
  note = `migrated in ${migrateS.toFixed(1)} s, sample loaded in ${loadS.toFixed(1)} s`
}
const counts = (await db.query<{ b: number; c: number; d: number }>(
  'SELECT (SELECT count(*) FROM buildings) AS b, (SELECT count(*) FROM cases) AS c, (SELECT count(*) FROM detections) AS d',
)).rows[0]!
const version = db.kind === 'postgis' ? (await db.query<{ v: string }>("SELECT split_part(version(), ' ', 2) || ' / PostGIS ' || PostGIS_Lib_Version() AS v")).rows[0]!.v : 'PGlite'
// The densest village: where the heaviest tiles are.
const hot = (await db.query<{ lon: number; lat: number }>(
  `SELECT ST_X(ST_Centroid(ST_Collect(centroid))) AS lon, ST_Y(ST_Centroid(ST_Collect(centroid))) AS lat
   FROM buildings WHERE admin_code = (SELECT admin_code FROM buildings GROUP BY admin_code ORDER BY count(*) DESC, admin_code LIMIT 1)`,
)).rows[0]!

// ---- uncached: project vs bare ST_AsMVT vs MapServer ----
const url = BENCH_DB ?? process.env.DATABASE_URL
const withMapserver = db.kind === 'postgis' && url !== undefined && (await hasCommand('mapserv', ['-v']))
const msDir = mkdtempSync(join(tmpdir(), 'chaiwei-ms-'))
if (withMapserver) {
  const u = new URL(url)
  if (!BENCH_DB) u.pathname = `/chaiwei_bench_${size}`
  writeFileSync(join(msDir, 'bench.map'), mapfile(u))
  writeFileSync(join(msDir, 'ms.conf'), 'CONFIG\n  ENV\n    MS_MAP_PATTERN ".*"\n  END\nEND\n')
}
const tiles = new TileService(LAYERS, { warn() {} })
const ratio = (a: number, b: number) => (b > 0 ? (a / b < 0.1 ? (a / b).toFixed(4) : (a / b).toFixed(2)) : '–')
const lines = [tableHeader(['layer', 'z', 'project p50 ms', 'max', 'bytes', 'bare ST_AsMVT p50 ms', 'bytes', 'project / bare', 'MapServer p50 ms', 'bytes', 'project / MapServer'])]
let overBudget = 0
for (const layer of uncachedToo ? LAYER_IDS.map((id) => LAYERS.find((l) => l.id === id)!) : []) {
  for (const z of ZOOMS) {
    if (z < layer.minzoom) continue
    const at = tileAt(hot.lon, hot.lat, z)
    let bytes = 0
    let bareBytes = 0
    const makeProject = async () => (bytes = (await tiles.make(db, layer, { ...at, scope: scopeOf('110111') }))?.byteLength ?? 0)
    const makeBare = async () => (bareBytes = (await db.query<{ tile: Buffer }>(bareSql(layer), [z, at.x, at.y])).rows[0]!.tile.byteLength)
    // the project's tile and the bare query's alternate, run by run
    const [project, bare] = db.kind === 'postgis' ? await timedSideBySide([makeProject, makeBare], repeats) : [await timedMs(makeProject)]
    if (bytes > TILE_BYTE_BUDGET) overBudget++
    const cells: (string | number)[] = [layer.id, z, project!.median.toFixed(1), project!.max.toFixed(1), bytes]
    if (bare) cells.push(bare.median.toFixed(1), bareBytes, ratio(project!.median, bare.median))
    else cells.push('–', '–', '–')
    if (withMapserver) {
      let msBytes = 0
      const ms = await timedMs(async () => (msBytes = await mapserverTile(msDir, layer.id, z, at.x, at.y)))
      cells.push(ms.median.toFixed(1), msBytes, ratio(project!.median, ms.median))
    } else cells.push('–', '–', '–')
    lines.push(tableRow(cells))
    console.error(lines.at(-1))
  }
}
// What a mapserv process costs before it reads a row: a tile of an empty corner of the world.
const msStartup = withMapserver ? await timedMs(() => mapserverTile(msDir, 'roads', 8, 0, 0)) : null
rmSync(msDir, { recursive: true, force: true })

console.log(`backend ${db.kind} (${version}), ${note}: ${counts.b} buildings, ${counts.c} cases, ${counts.d} patches; ${repeats} timed runs per cell after one warm-up, the project and the bare query alternating`)
console.log(lines.join('\n'))
console.log(`\ntiles over the ${TILE_BYTE_BUDGET / 1024} KiB budget: ${overBudget}`)
if (msStartup) console.log(`mapserv on an empty tile (process start, map load, connect): p50 ${msStartup.median.toFixed(1)} ms`)

// ---- cached: the HTTP server under load ----
const hasWrk = await hasCommand('wrk', ['--version']).then((ok) => ok || hasCommand('which', ['wrk']))
if (db.kind === 'postgis' && url && hasWrk) {
  const user = { username: `bench-tiles-${process.pid}`, password: 'correct horse battery', role: 'admin' as const, scopeCode: '110111' }
  await createUser(db, user)
  const dbUrl = new URL(url)
  if (!BENCH_DB) dbUrl.pathname = `/chaiwei_bench_${size}`
  for (const workers of [1, 2]) {
    const server = await startChildServer({ ...process.env, DATABASE_URL: dbUrl.toString(), CHAIWEI_SAMPLE: 'none', CHAIWEI_WORKERS: String(workers) }, user)
    try {
      // 48 tiles around the hot spot, each made once (a miss) before the load: the load reads hits
      const paths: string[] = []
      for (const layer of ['buildings', 'cases', 'detections', 'roads']) {
        for (const z of [10, 12, 14, 16]) {
          const c = tileAt(hot.lon, hot.lat, z)
          for (const dx of [0, 1, -1]) paths.push(`/ogc/collections/${layer}/tiles/WebMercatorQuad/${z}/${c.y}/${c.x + dx}`)
        }
      }
      for (let pass = 0; pass < 2 * workers; pass++) {
        for (const p of paths) await fetch(server.base + p, { headers: { cookie: server.cookie } }).then((r) => r.arrayBuffer())
      }
      const script = join(tmpdir(), `chaiwei-wrk-${process.pid}.lua`)
      writeFileSync(script, `local paths = {${paths.map((p) => `"${p}"`).join(',')}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Cookie"] = "${server.cookie}" })
end
`)
      const results: { rps: number; errors: number; p50: string; p99: string }[] = []
      for (let r = 0; r < 5; r++) {
        const { stdout } = await run('wrk', ['-t2', '-c32', '-d8s', '--latency', '-s', script, server.base])
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1])
        const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0)
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
        const errors = non2xx + (socket ? socket.slice(1).reduce((s, v) => s + Number(v), 0) : 0)
        results.push({ rps, errors, p50: /^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? '?', p99: /^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? '?' })
      }
      rmSync(script, { force: true })
      const sorted = [...results].sort((a, b) => a.rps - b.rps)
      const mid = sorted[Math.floor(sorted.length / 2)]!
      console.log(`\ncached tiles, ${workers} server process${workers > 1 ? 'es' : ''}, wrk -t2 -c32 -d8s, 5 runs over ${paths.length} tiles:`)
      console.log(tableHeader(['median req/s', 'min', 'max', 'errors (all runs)', 'latency p50 / p99 (median run)']))
      console.log(tableRow([mid.rps.toFixed(0), sorted[0]!.rps.toFixed(0), sorted.at(-1)!.rps.toFixed(0), results.reduce((s, r) => s + r.errors, 0), `${mid.p50} / ${mid.p99}`]))
    } finally {
      await stopServer(server)
    }
  }
  await db.query('DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)', [user.username]).catch(() => {})
  await db.query('DELETE FROM users WHERE username = $1', [user.username]).catch(() => {})
}
await close()
