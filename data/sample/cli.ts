// Loads a sample into a fresh database and reports what it made and how long it took:
//   npx tsx data/sample/cli.ts tiny|demo|city [postgres://…]   (no URL: an in-memory PGlite)
// The target database must be empty (migrations are applied here).
import type { Db } from '../../server/src/db/db.ts'
import { migrate } from '../../server/src/db/migrate.ts'
import { openPgDb } from '../../server/src/db/pg.db.ts'
import { openPgliteDb } from '../../server/src/db/pglite.db.ts'
import { fingerprint } from './fingerprint.ts'
import { loadSample } from './load-sample.ts'
import { isSampleSize } from './sizes.ts'

const [size, url] = process.argv.slice(2)
if (!size || !isSampleSize(size)) {
  console.error('usage: npx tsx data/sample/cli.ts tiny|demo|city [postgres://user@host/db]')
  process.exit(2)
}

const t0 = performance.now()
const db: Db = url ? await openPgDb(url, { statementTimeoutMs: 600_000, max: 2 }) : await openPgliteDb({})
try {
  await migrate(db)
  const tMigrated = performance.now()
  console.log(`${db.kind}: migrated in ${((tMigrated - t0) / 1000).toFixed(1)} s`)
  const summary = await loadSample(db, size, (m) => console.log(`  ${((performance.now() - tMigrated) / 1000).toFixed(1).padStart(6)} s  ${m}`))
  console.log(`${db.kind}: sample ${size} loaded in ${(summary.ms / 1000).toFixed(1)} s (wall incl. commit ${((performance.now() - tMigrated) / 1000).toFixed(1)} s)`)
  console.log(JSON.stringify(summary.counts))
  const sums = await db.query(
    `SELECT (SELECT sum(footprint_area_m2) FROM buildings) AS building_m2,
            (SELECT sum(area_m2) FROM parcels) AS parcel_m2,
            (SELECT sum(land_area_computed_m2) FROM cases) AS case_land_m2,
            (SELECT sum(area_m2) FROM admin_units WHERE level = 'village') AS village_m2`,
  )
  console.log(JSON.stringify(sums.rows[0]))
  if (size !== 'city' || process.env.FINGERPRINT) {
    console.log('table                  rows attrs                            geom                             areas')
    for (const [table, d] of Object.entries(await fingerprint(db))) {
      console.log(`${table.padEnd(18)} ${String(d.rows).padStart(8)} ${d.attrs} ${d.geom.padEnd(32)} ${d.areas}`)
    }
  }
} finally {
  await db.close()
}
