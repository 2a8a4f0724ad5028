// The Citus plan of docs/scaling.md ("Sharding with Citus"), checked against the migrated schema:
// every table is placed (distributed by district, reference, or local to the coordinator), and
// each rule Citus imposes is either kept or a known exception listed here. A new table, a new
// foreign key, unique key or trigger that breaks a rule fails this test until it is listed (and
// docs/scaling.md says how the sharded schema would do it); fixing one fails it too, until it is
// struck from the list. Runs on the migrated schema (PGlite, or the server with DATABASE_URL).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import type { Db } from '../../server/src/db/db.ts'
import { freshDb } from '../helpers/db.ts'

/** Distributed by the district code (left(admin_code, 6)), all co-located. */
const DISTRIBUTED = [
  'cases', 'case_figures', 'case_history', 'case_inspections', 'case_zone_members', 'case_buffer_zone_members',
  'detections', 'detection_history', 'buildings', 'parcels', 'permits', 'zones', 'zone_history',
  'house_surveys', 'survey_measures', 'survey_history', 'attachments',
  'reports', 'report_photos', 'report_history', 'assignments', 'field_history', 'teams', 'team_members',
  'targets', 'target_history', 'tile_grid_cells',
]
/** Small, read everywhere, joined to everything: a copy on every node. */
const REFERENCE = [
  'admin_units', 'users', 'detection_batches', 'buffer_rule_sets', 'buffer_zones', 'buffer_zone_parts',
  'roads', 'waters', 'reference_areas', 'layer_mapping_presets', 'app_meta', 'disclosure_settings', 'spatial_ref_sys',
]
/** The coordinator's own: sessions and request bookkeeping, staging, logs read only there. */
const LOCAL = [
  'sessions', 'captcha_challenges', 'idempotent_requests', 'rate_limit_hits', 'tile_invalidations', 'schema_migrations',
  'detection_imports', 'detection_import_features', 'ledger_import_jobs', 'layer_imports', 'layer_import_features', 'layer_loads', 'disclosure_history',
]

/** The column a distributed table has today that gives its district; absent: it must be added. */
const DISTRICT_COLUMN = 'admin_code'

// ---- today's known exceptions (docs/scaling.md explains each family) ----

/** Distributed tables without a district column: a district_code must be added (copied from the parent). */
const KNOWN_NO_DISTRICT_COLUMN = [
  'attachments', 'case_buffer_zone_members', 'case_history', 'case_inspections', 'case_zone_members', 'detection_history',
  'field_history', 'report_history', 'report_photos', 'survey_history', 'survey_measures', 'team_members', 'zone_history',
]
/** Primary keys and unique constraints of distributed tables without the district column. */
const KNOWN_KEYS_WITHOUT_DISTRICT = [
  'assignments PRIMARY KEY (id)', 'attachments PRIMARY KEY (id)', 'attachments UNIQUE (client_id)', 'attachments UNIQUE (storage_key)',
  'buildings PRIMARY KEY (id)', 'case_buffer_zone_members PRIMARY KEY (buffer_zone_id, case_id)', 'case_figures PRIMARY KEY (case_id)', 'case_history PRIMARY KEY (id)',
  'case_history UNIQUE (client_id)', 'case_inspections PRIMARY KEY (id)', 'case_zone_members PRIMARY KEY (zone_id, case_id)',
  'cases PRIMARY KEY (id)', 'cases UNIQUE (case_no)', 'detection_history PRIMARY KEY (id)', 'detections PRIMARY KEY (id)',
  'detections UNIQUE (batch_id, patch_no)', 'field_history PRIMARY KEY (id)', 'house_surveys PRIMARY KEY (id)', 'parcels PRIMARY KEY (id)',
  'parcels UNIQUE (parcel_no)', 'permits PRIMARY KEY (id)', 'permits UNIQUE (permit_no)', 'report_history PRIMARY KEY (id)',
  'report_photos PRIMARY KEY (id)', 'reports PRIMARY KEY (id)', 'reports UNIQUE (receipt_hash)', 'survey_history PRIMARY KEY (id)',
  'survey_measures PRIMARY KEY (id)', 'target_history PRIMARY KEY (id)', 'targets PRIMARY KEY (id)', 'team_members PRIMARY KEY (team_id, user_id)', 'teams PRIMARY KEY (id)',
  'zone_history PRIMARY KEY (id)', 'zones PRIMARY KEY (id)',
]
/** Foreign keys Citus refuses: between distributed tables without the district column, or from reference/local to distributed. */
const KNOWN_FOREIGN_KEYS = [
  'assignments (case_id) -> cases', 'assignments (parcel_id) -> parcels', 'assignments (team_id) -> teams', 'assignments (zone_id) -> zones',
  'attachments (case_id) -> cases', 'attachments (survey_id) -> house_surveys', 'buildings (parcel_id) -> parcels',
  'case_buffer_zone_members (case_id) -> cases', 'case_figures (case_id) -> cases', 'case_history (case_id) -> cases', 'case_inspections (case_id) -> cases',
  'case_inspections (rebound_case_id) -> cases', 'case_zone_members (case_id) -> cases', 'case_zone_members (zone_id) -> zones',
  'cases (detection_id) -> detections', 'cases (reopened_from) -> cases', 'detection_history (detection_id) -> detections', 'detections (case_id) -> cases',
  'field_history (assignment_id) -> assignments', 'field_history (team_id) -> teams', 'house_surveys (appraisal_report_id) -> attachments',
  'house_surveys (building_id) -> buildings', 'house_surveys (case_id) -> cases', 'report_history (report_id) -> reports', 'report_photos (report_id) -> reports',
  'reports (case_id) -> cases', 'survey_history (survey_id) -> house_surveys', 'survey_measures (survey_id) -> house_surveys', 'team_members (team_id) -> teams',
  'assignments (detection_id) -> detections', 'attachments (detection_id) -> detections',
]
/** Triggers on distributed tables: they write the coordinator's tile_invalidations or other shards' membership tables. */
const KNOWN_TRIGGERS = [
  'buildings: buildings_grid_del, buildings_grid_ins, buildings_grid_upd, buildings_tiles_del, buildings_tiles_ins, buildings_tiles_upd',
  'case_history: case_history_append_only',
  'cases: cases_figures_insert, cases_figures_update, cases_grid_del, cases_grid_ins, cases_grid_upd, cases_members_insert, cases_members_update, cases_tiles_del, cases_tiles_ins, cases_tiles_upd',
  'detection_history: detection_history_append_only',
  'detections: detections_grid_del, detections_grid_ins, detections_grid_upd, detections_tiles_del, detections_tiles_ins, detections_tiles_upd',
  'field_history: field_history_append_only', 'parcels: parcels_tiles_del, parcels_tiles_ins, parcels_tiles_upd',
  'permits: permits_tiles_del, permits_tiles_ins, permits_tiles_upd', 'report_history: report_history_append_only',
  'survey_history: survey_history_append_only', 'target_history: target_history_append_only', 'zone_history: zone_history_append_only',
  'zones: zones_members_insert, zones_members_update, zones_tiles_del, zones_tiles_ins, zones_tiles_upd',
]

let db: Db
beforeAll(async () => {
  db = await freshDb('schema')
})
afterAll(() => db.close())

const placeOf = (t: string) => (DISTRIBUTED.includes(t) ? 'distributed' : REFERENCE.includes(t) ? 'reference' : LOCAL.includes(t) ? 'local' : 'unplaced')
const sorted = (xs: Iterable<string>) => [...xs].sort()

async function tables(): Promise<string[]> {
  const r = await db.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
  )
  return r.rows.map((x) => x.t)
}

async function columnsOf(table: string): Promise<string[]> {
  const r = await db.query<{ a: string }>(
    `SELECT attname AS a FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [`public.${table}`])
  return r.rows.map((x) => x.a)
}

interface Constraint { table: string; type: 'p' | 'u' | 'f'; columns: string[]; target: string | null; def: string }

async function constraints(): Promise<Constraint[]> {
  const r = await db.query<{ table: string; type: string; columns: string; target: string | null; def: string }>(
    `SELECT cl.relname AS table, con.contype::text AS type, tc.relname AS target, pg_get_constraintdef(con.oid) AS def,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS columns
     FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
     LEFT JOIN pg_class tc ON tc.oid = con.confrelid
     WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f')`,
  )
  return r.rows.map((x) => ({ ...x, type: x.type as Constraint['type'], columns: x.columns.split(',') }))
}

test('every table is placed: distributed by district, reference, or local to the coordinator', async () => {
  const all = await tables()
  assert.deepEqual(sorted(all.filter((t) => placeOf(t) === 'unplaced')), [], 'a new table: place it here and in docs/scaling.md')
  assert.deepEqual(sorted([...DISTRIBUTED, ...REFERENCE, ...LOCAL].filter((t) => !all.includes(t))), [], 'a placed table that no longer exists')
})

test('distributed tables carry a district column, except the known ones', async () => {
  const missing = []
  for (const t of DISTRIBUTED) if (!(await columnsOf(t)).includes(DISTRICT_COLUMN)) missing.push(t)
  assert.deepEqual(sorted(missing), sorted(KNOWN_NO_DISTRICT_COLUMN))
})

test('primary keys and unique constraints of distributed tables include the district column, except the known ones', async () => {
  const bad = (await constraints())
    .filter((c) => c.type !== 'f' && placeOf(c.table) === 'distributed' && !c.columns.includes(DISTRICT_COLUMN))
    .map((c) => `${c.table} ${c.def}`)
  assert.deepEqual(sorted(bad), sorted(KNOWN_KEYS_WITHOUT_DISTRICT))
})

test('foreign keys: distributed to distributed only on the district column; nothing else points at a distributed or local table, except the known ones', async () => {
  const bad = []
  for (const c of (await constraints()).filter((x) => x.type === 'f')) {
    const from = placeOf(c.table)
    const to = placeOf(c.target!)
    const ok =
      (to === 'reference' && from !== 'unplaced') ||
      (to === 'distributed' && from === 'distributed' && c.columns.includes(DISTRICT_COLUMN)) ||
      (to === 'local' && from === 'local')
    if (!ok) bad.push(`${c.table} (${c.columns.join(', ')}) -> ${c.target}`)
  }
  assert.deepEqual(sorted(bad), sorted(KNOWN_FOREIGN_KEYS))
})

test('identity and serial columns of distributed tables are bigint (Citus gives each node its own range)', async () => {
  const r = await db.query<{ t: string; a: string; type: string }>(
    `SELECT c.relname AS t, a.attname AS a, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND a.attnum > 0 AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')`,
  )
  const narrow = r.rows.filter((x) => placeOf(x.t) === 'distributed' && x.type !== 'bigint').map((x) => `${x.t}.${x.a} ${x.type}`)
  assert.deepEqual(narrow, [])
})

test('triggers on distributed tables are the known ones', async () => {
  const r = await db.query<{ t: string; names: string }>(
    `SELECT c.relname AS t, string_agg(tg.tgname, ', ' ORDER BY tg.tgname) AS names
     FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT tg.tgisinternal GROUP BY c.relname`,
  )
  const onDistributed = r.rows.filter((x) => placeOf(x.t) === 'distributed').map((x) => `${x.t}: ${x.names}`)
  assert.deepEqual(sorted(onDistributed), sorted(KNOWN_TRIGGERS))
})
