// The onboarding code lists (docs/api-onboarding.md): the reference layers, the states, modes,
// phases and field kinds an import uses. Pure: no I/O and no Node APIs (the web app compiles this
// module; reference-layers.ts, which does not, re-exports the layer keys and mappings from here).
// The API's shapes (an import as the API shows it, a load, the status) are schemas in
// server/src/schemas/onboarding.schema.ts, re-exported here as types for the domain and importer.

/** The layers in loading order. */
export const LAYER_KEYS = ['admin_units', 'parcels', 'buildings', 'roads', 'ring_roads', 'waters', 'reference_areas', 'permits'] as const
export type LayerKey = (typeof LAYER_KEYS)[number]

export const FIELD_KINDS = ['text', 'code', 'enum', 'integer', 'number', 'boolean', 'date'] as const
export type FieldKind = (typeof FIELD_KINDS)[number]

export const LAYER_IMPORT_STATES = ['reading', 'needs_crs', 'staged', 'committing', 'committed', 'failed', 'cancelled'] as const
export type LayerImportState = (typeof LAYER_IMPORT_STATES)[number]

export const LOAD_MODES = ['replace', 'append'] as const
export type LoadMode = (typeof LOAD_MODES)[number]

export const PHASES = ['reading', 'checking', 'writing', 'deriving'] as const
export type Phase = (typeof PHASES)[number]

export type {
  CommitResult, Derived, FieldInfo, ImportTarget, LayerImportView, LayerLoad, LayerMapping, LayerProblem, MappingSource, OnboardingStatus,
} from '../schemas/onboarding.schema.ts'
