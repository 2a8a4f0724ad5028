// Tile making, cold (no cache): median time and size per layer and zoom over a fixed set of
// tiles around the district's busiest area. Usage:
//   npx tsx bench/tiles.bench.ts [tiny|demo|city] [repeats]       embedded database (in memory)
//   DATABASE_URL=postgres://… npx tsx bench/tiles.bench.ts demo    real server (fresh database)
// Prints a Markdown table for bench/README.md.
import { performance } from 'node:perf_hooks'
import type { Db } from '../server/src/db/db.ts'
import { migrate } from '../server/src/db/migrate.ts'
import { openPgDb } from '../server/src/db/pg.db.ts'
import { openPgliteDb } from '../server/src/db/pglite.db.ts'
import { LAYERS } from '../server/src/sources/layers.ts'
import { TileService } from '../server/src/sources/tiles.ts'
import { loadSample, type SampleSize } from '../data/sample/load-sample.ts'
import pg from 'pg'

const size = (process.argv[2] ?? 'demo') as SampleSize
const repeats = Number(process.argv[3] ?? 5)

async function open(): Promise<{ db: Db; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) {
    const db = await openPgliteDb({})
    return { db, drop: () => db.close() }
  }
  const name = `chaiwei_bench_${size}`
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function tileAt(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) }
}

const { db, drop } = await open()
const backend = db.kind
let t0 = performance.now()
await migrate(db)
const migrateMs = performance.now() - t0
t0 = performance.now()
const summary = await loadSample(db, size)
const loadMs = performance.now() - t0
// The densest village: where the heaviest tiles are.
const { rows } = await db.query<{ lon: number; lat: number }>(
  `SELECT ST_X(ST_Centroid(ST_Collect(centroid))) AS lon, ST_Y(ST_Centroid(ST_Collect(centroid))) AS lat
   FROM buildings WHERE admin_code = (SELECT admin_code FROM buildings GROUP BY admin_code ORDER BY count(*) DESC, admin_code LIMIT 1)`,
)
const hot = rows[0]!
const tiles = new TileService(LAYERS, { warn() {} })
const lines = [`| layer | z | median ms | max ms | bytes |`, `|---|---|---|---|---|`]
for (const layer of LAYERS.filter((l) => ['admin-units', 'buildings', 'parcels', 'roads', 'cases'].includes(l.id))) {
  for (const z of [8, 10, 12, 14, 16]) {
    if (z < layer.minzoom) continue
    const req = { ...tileAt(hot.lon, hot.lat, z), scope: '110111' }
    const times: number[] = []
    let bytes = 0
    for (let i = 0; i < repeats; i++) {
      const s = performance.now()
      const tile = await tiles.make(db, layer, req)
      times.push(performance.now() - s)
      bytes = tile?.byteLength ?? 0
    }
    lines.push(`| ${layer.id} | ${z} | ${median(times).toFixed(1)} | ${Math.max(...times).toFixed(1)} | ${bytes} |`)
  }
}
console.log(`backend ${backend}, sample ${size} (${summary.counts.buildings} buildings), migrate ${(migrateMs / 1000).toFixed(1)} s, sample load ${(loadMs / 1000).toFixed(1)} s, ${repeats} repeats per tile`)
console.log(lines.join('\n'))
await drop()
