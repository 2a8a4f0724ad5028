// Any-area statistics while a planner draws, and grouped ledger statistics: median time per
// request over a fixed set of polygons around the district's busiest village. Usage:
//   npx tsx bench/area-stats.bench.ts [tiny|demo|city] [repeats]      embedded database (in memory)
//   DATABASE_URL=postgres://… npx tsx bench/area-stats.bench.ts demo   real server (fresh database)
// Prints a Markdown table for bench/README.md.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import type { Db } from '../server/src/db/db.ts'
import { migrate } from '../server/src/db/migrate.ts'
import { openPgDb } from '../server/src/db/pg.db.ts'
import { openPgliteDb } from '../server/src/db/pglite.db.ts'
import { parseGroupBy } from '../server/src/domain/statistics.ts'
import { activeRuleSetId } from '../server/src/repos/buffer-zones.repo.ts'
import { areaStatistics, ledgerStatistics } from '../server/src/repos/statistics.repo.ts'
import { loadSample, type SampleSize } from '../data/sample/load-sample.ts'

const size = (process.argv[2] ?? 'demo') as SampleSize
const repeats = Number(process.argv[3] ?? 7)

async function open(): Promise<{ db: Db; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) {
    const db = await openPgliteDb({})
    return { db, drop: () => db.close() }
  }
  const name = `chaiwei_bench_area_${size}`
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

async function time(fn: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  await fn() // warm
  const ms: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await fn()
    ms.push(performance.now() - t0)
  }
  return { median: median(ms), max: Math.max(...ms) }
}

const { db, drop } = await open()
try {
  let t0 = performance.now()
  await migrate(db)
  const migrateS = (performance.now() - t0) / 1000
  t0 = performance.now()
  await loadSample(db, size)
  const loadS = (performance.now() - t0) / 1000
  const centre = (await db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat
     FROM admin_units a WHERE a.level = 'village' ORDER BY (SELECT count(*) FROM buildings b WHERE b.admin_code = a.code) DESC LIMIT 1`)).rows[0]!
  const backend = process.env.DATABASE_URL ? 'postgis' : 'pglite'
  console.log(`\`\`\`\nbackend ${backend}, sample ${size}, migrate ${migrateS.toFixed(1)} s, sample load ${loadS.toFixed(1)} s, ${repeats} repeats\n\`\`\``)
  console.log('| request | median ms | max ms | result |\n|---|---|---|---|')
  for (const [km2, n] of [[0.25, 40], [1, 40], [5, 80], [20, 200], [50, 400], [5, 4000]] as const) {
    const g = drawing(centre.lon, centre.lat, km2 * 0.98, n)
    let last: Awaited<ReturnType<typeof areaStatistics>> | undefined
    const r = await time(async () => (last = await areaStatistics(db, g, '110111')))
    console.log(`| area ${km2} km², ${n} vertices | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} | ${last!.cases.count} cases, ${last!.parcels.count} parcels, ${last!.buildings.count} buildings |`)
  }
  const ruleSetId = (await activeRuleSetId(db)) ?? undefined
  for (const groupBy of ['', 'town,use', 'village', 'quarter,disposal', 'bufferZone', 'zone']) {
    const keys = parseGroupBy(groupBy)
    let rows = 0
    const r = await time(async () => (rows = (await ledgerStatistics(db, keys, { scope: '110111', ...(ruleSetId ? { ruleSetId } : {}) })).rows.length))
    console.log(`| statistics groupBy=${groupBy || '(none)'} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} | ${rows} rows |`)
  }
} finally {
  await drop()
}
