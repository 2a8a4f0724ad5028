// The onboarding API's answers (docs/api-onboarding.md): a reference-layer import as the API shows
// it, the history of loads, the mapping presets and what the district still lacks. The routes
// declare these schemas, the repo and the importer return their Static types, and the web client
// (web/src/onboarding-api.ts) imports those types with `import type`. Code lists (layer keys,
// states, modes) stay in domain/onboarding-types.ts.
import { Type, type Static } from 'typebox'
import { FIELD_KINDS, LAYER_IMPORT_STATES, LAYER_KEYS, LOAD_MODES, PHASES } from '../domain/onboarding-types.ts'
import { Geometry, Nullable } from './common.schema.ts'

const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) })

export const LayerKeySchema = Type.Enum(LAYER_KEYS, { description: `one of ${LAYER_KEYS.join(', ')}` })
const LoadModeSchema = Type.Enum(LOAD_MODES)

/** A mapping source: a field of the file, a constant, or nothing. */
export const MappingSource = Type.Union([
  Type.String({ description: 'a field of the file' }),
  Type.Object({ value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]) }, { description: 'a constant' }),
  Type.Null(),
])
export type MappingSource = Static<typeof MappingSource>

/** Target field → its source (answers: what is stored, as it is stored). */
export const LayerMapping = Type.Record(Type.String(), MappingSource, { description: 'target field → a field of the file, { value } (a constant) or null' })
export type LayerMapping = Static<typeof LayerMapping>

/** A mapping as requests give it (PATCH an import, save a preset): the same shape, bounded. */
export const LayerMappingInput = Type.Record(
  Type.String({ maxLength: 60 }),
  Type.Union([
    Type.String({ maxLength: 200 }),
    Type.Object({ value: Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]) }, { additionalProperties: false }),
    Type.Null(),
  ]),
)

/** A field of the file with a few of its values. */
export const FieldInfo = Type.Object({ name: Type.String(), samples: Type.Array(Type.String()) })
export type FieldInfo = Static<typeof FieldInfo>

/** What a commit re-derived (buffer zones, links, screenings), its message "中文 / English". */
export const Derived = Type.Object({ what: Type.String(), message: Type.String(), count: Type.Optional(Type.Integer()) })
export type Derived = Static<typeof Derived>

export const CommitResult = Type.Object({
  mode: LoadModeSchema,
  inserted: Count(),
  updated: Count(),
  deleted: Count(),
  skipped: Count(),
  derived: Type.Array(Derived),
  loadId: Type.Integer({ description: 'the load of the history (GET /api/layer-loads) it recorded' }),
})
export type CommitResult = Static<typeof CommitResult>

/** A problem of one staged feature (`field`: the target field it concerns, where one does). */
export const LayerProblem = Type.Object({ featureNo: Type.Integer(), code: Type.String(), field: Type.Optional(Type.String()), message: Type.String() })
export type LayerProblem = Static<typeof LayerProblem>

/** A target field as the API shows it (its values without their synonyms). */
export const ImportTarget = Type.Object({
  key: Type.String(),
  zh: Type.String(),
  en: Type.String(),
  required: Type.Boolean(),
  kind: Type.Enum(FIELD_KINDS),
  values: Type.Optional(Type.Array(Type.Object({ key: Type.String(), zh: Type.String() }))),
})
export type ImportTarget = Static<typeof ImportTarget>

/** Why an import failed (`units`: the referenced admin units an admin-units replace would remove). */
export const LayerImportError = Type.Object({
  code: Type.String(),
  message: Type.String({ description: 'in Chinese' }),
  messageEn: Type.Optional(Type.String()),
  units: Type.Optional(Type.Array(Type.String())),
})
export type LayerImportError = Static<typeof LayerImportError>

/** A named field mapping (GET/POST /api/layer-mapping-presets). */
export const MappingPreset = Type.Object({ id: Type.Integer(), layer: LayerKeySchema, name: Type.String(), mapping: LayerMapping }, { description: 'a named field mapping' })
export type MappingPreset = Static<typeof MappingPreset>

/** An import as the API shows it ("The import view"). */
export const LayerImportView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    layer: LayerKeySchema,
    state: Type.Enum(LAYER_IMPORT_STATES),
    progress: Type.Object({ phase: Nullable(Type.Enum(PHASES)), done: Count(), total: Nullable(Count()) }),
    fileName: Type.String(),
    format: Nullable(Type.String()),
    layerName: Nullable(Type.String({ description: "the layer of the file read (a GeoPackage's table, a KML folder)" })),
    crs: Nullable(Type.Object({ code: Type.String(), name: Type.String(), source: Nullable(Type.String()) })),
    encoding: Nullable(Type.String()),
    featureCount: Count(),
    validCount: Count(),
    bounds: Nullable(Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[west, south, east, north], WGS84' })),
    fields: Type.Array(FieldInfo),
    targets: Type.Array(ImportTarget),
    mapping: LayerMapping,
    presets: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), mapping: LayerMapping })),
    problems: Type.Array(LayerProblem),
    problemCount: Count(),
    problemCounts: Type.Record(Type.String(), Type.Integer(), { description: 'problem code → features' }),
    warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
    error: Nullable(LayerImportError),
    result: Nullable(CommitResult),
  },
  { description: 'the import: state, progress, fields, mapping, problems, result (poll while reading or committing)' },
)
export type LayerImportView = Static<typeof LayerImportView>

/** A staged feature on the preview map: its number and problem; the geometry simplified, lon/lat. */
export const LayerPreviewCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      properties: Type.Object({ featureNo: Type.Integer(), problem: Nullable(Type.String()) }),
      geometry: Type.Union([Geometry, Type.Object({ type: Type.Literal('GeometryCollection'), geometries: Type.Array(Geometry) })]),
    }),
  ),
})
export type LayerPreviewCollection = Static<typeof LayerPreviewCollection>

/** One load of the history (GET /api/layer-loads). */
export const LayerLoad = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  user: Type.Object({ id: Nullable(Type.Integer()), username: Nullable(Type.String()) }),
  scope: Type.String({ description: 'the admin code of the loader’s scope' }),
  layer: LayerKeySchema,
  fileName: Type.String(),
  format: Nullable(Type.String()),
  crs: Nullable(Type.String()),
  encoding: Nullable(Type.String()),
  mode: LoadModeSchema,
  onlyValid: Type.Boolean(),
  features: Count(),
  inserted: Count(),
  updated: Count(),
  deleted: Count(),
  skipped: Count(),
  mapping: LayerMapping,
  derived: Type.Array(Derived),
})
export type LayerLoad = Static<typeof LayerLoad>

/** What the district has loaded and what it still lacks (GET /api/onboarding/status). */
export const OnboardingStatus = Type.Object(
  {
    district: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
    layers: Type.Array(Type.Object({ layer: LayerKeySchema, count: Count(), lastLoad: Nullable(LayerLoad) })),
    missing: Type.Array(LayerKeySchema),
    cases: Count(),
    casesPendingLocation: Count(),
  },
  { description: 'per layer what is loaded, the layers still missing, and the cases' },
)
export type OnboardingStatus = Static<typeof OnboardingStatus>
