// Any-area statistics while a planner draws, and grouped ledger statistics: median time per
// request over a fixed set of polygons around the district's busiest village. Usage:
//   npx tsx bench/area-stats.bench.ts [tiny|demo|city] [repeats]      embedded database (in memory)
//   DATABASE_URL=postgres://… npx tsx bench/area-stats.bench.ts demo   real server (fresh database)
// Prints a Markdown table for bench/README.md.
import { parseGroupBy } from '../server/src/domain/statistics.ts'
import { activeRuleSetId } from '../server/src/repos/buffer-zones.repo.ts'
import { areaStatistics, ledgerStatistics } from '../server/src/repos/statistics.repo.ts'
import type { SampleSize } from '../data/sample/load-sample.ts'
import { migrateAndLoad, openBenchDb, tableHeader, tableRow, timed } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const size = (process.argv[2] ?? 'demo') as SampleSize
const repeats = Number(process.argv[3] ?? 7)

/** A wobbly closed ring of `n` vertices and about `km2` square kilometres around a point (a hand drawing). */
function drawing(lon: number, lat: number, km2: number, n: number) {
  const r = Math.sqrt((km2 * 1e6) / Math.PI)
  const ring: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n
    const k = 1 + 0.06 * Math.sin(5 * a) + 0.03 * Math.sin(13 * a)
    ring.push([lon + (r * k * Math.cos(a)) / (111_320 * Math.cos((lat * Math.PI) / 180)), lat + (r * k * Math.sin(a)) / 110_574])
  }
  ring.push(ring[0]!)
  return { type: 'Polygon', coordinates: [ring] }
}

const { db, drop } = await openBenchDb(`chaiwei_bench_area_${size}`)
try {
  const { migrateS, loadS } = await migrateAndLoad(db, size)
  const centre = (await db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat
     FROM admin_units a WHERE a.level = 'village' ORDER BY (SELECT count(*) FROM buildings b WHERE b.admin_code = a.code) DESC LIMIT 1`)).rows[0]!
  console.log(`\`\`\`\nbackend ${db.kind}, sample ${size}, migrate ${migrateS.toFixed(1)} s, sample load ${loadS.toFixed(1)} s, ${repeats} repeats\n\`\`\``)
  console.log(tableHeader(['request', 'median ms', 'max ms', 'result']))
  for (const [km2, n] of [[0.25, 40], [1, 40], [5, 80], [20, 200], [50, 400], [5, 4000]] as const) {
    const g = drawing(centre.lon, centre.lat, km2 * 0.98, n)
    let last: Awaited<ReturnType<typeof areaStatistics>> | undefined
    const r = await timed(async () => (last = await areaStatistics(db, g, scopeOf('110111'))), repeats, { warm: true })
    console.log(tableRow([`area ${km2} km², ${n} vertices`, r.median.toFixed(1), r.max.toFixed(1), `${last!.cases.count} cases, ${last!.parcels.count} parcels, ${last!.buildings.count} buildings`]))
  }
  const ruleSetId = (await activeRuleSetId(db)) ?? undefined
  for (const groupBy of ['', 'town,use', 'village', 'quarter,disposal', 'bufferZone', 'zone']) {
    const keys = parseGroupBy(groupBy)
    let rows = 0
    const r = await timed(async () => (rows = (await ledgerStatistics(db, keys, { scope: scopeOf('110111'), ...(ruleSetId ? { ruleSetId } : {}) })).rows.length), repeats, { warm: true })
    console.log(tableRow([`statistics groupBy=${groupBy || '(none)'}`, r.median.toFixed(1), r.max.toFixed(1), `${rows} rows`]))
  }
} finally {
  await drop()
}
