// Tile making, cold (no cache): median time and size per layer and zoom over a fixed set of
// tiles around the district's busiest area. Usage:
//   npx tsx bench/tiles.bench.ts [tiny|demo|city] [repeats]       embedded database (in memory)
//   DATABASE_URL=postgres://… npx tsx bench/tiles.bench.ts demo    real server (fresh database)
// Prints a Markdown table for bench/README.md.
import { LAYERS } from '../server/src/sources/layers.ts'
import { TileService } from '../server/src/sources/tiles.ts'
import type { SampleSize } from '../data/sample/load-sample.ts'
import { migrateAndLoad, openBenchDb, tableHeader, tableRow, timed } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const size = (process.argv[2] ?? 'demo') as SampleSize
const repeats = Number(process.argv[3] ?? 5)

function tileAt(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) }
}

const { db, drop } = await openBenchDb(`chaiwei_bench_${size}`)
const backend = db.kind
const { migrateS, loadS, summary } = await migrateAndLoad(db, size)
// The densest village: where the heaviest tiles are.
const { rows } = await db.query<{ lon: number; lat: number }>(
  `SELECT ST_X(ST_Centroid(ST_Collect(centroid))) AS lon, ST_Y(ST_Centroid(ST_Collect(centroid))) AS lat
   FROM buildings WHERE admin_code = (SELECT admin_code FROM buildings GROUP BY admin_code ORDER BY count(*) DESC, admin_code LIMIT 1)`,
)
const hot = rows[0]!
const tiles = new TileService(LAYERS, { warn() {} })
const lines = [tableHeader(['layer', 'z', 'median ms', 'max ms', 'bytes'])]
for (const layer of LAYERS.filter((l) => ['admin-units', 'buildings', 'parcels', 'roads', 'cases'].includes(l.id))) {
  for (const z of [8, 10, 12, 14, 16]) {
    if (z < layer.minzoom) continue
    const req = { ...tileAt(hot.lon, hot.lat, z), scope: scopeOf('110111') }
    let bytes = 0
    const t = await timed(async () => (bytes = (await tiles.make(db, layer, req))?.byteLength ?? 0), repeats)
    lines.push(tableRow([layer.id, z, t.median.toFixed(1), t.max.toFixed(1), bytes]))
  }
}
console.log(`backend ${backend}, sample ${size} (${summary.counts.buildings} buildings), migrate ${migrateS.toFixed(1)} s, sample load ${loadS.toFixed(1)} s, ${repeats} repeats per tile`)
console.log(lines.join('\n'))
await drop()
