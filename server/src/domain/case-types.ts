// The ledger's code lists, shared by the server and the web client (web/src/ledger-api.ts imports
// them), so the two cannot drift apart. Pure: no I/O. The API's shapes made of them (a case, the
// table, an import's report) are schemas in server/src/schemas/cases.schema.ts.
export const CASE_USES = ['residential', 'storage', 'commercial', 'office', 'other'] as const
export const CASE_SOURCES = ['satellite', 'patrol', 'report', 'self_check', 'assigned'] as const
export const OWNERSHIPS = ['collective', 'state', 'enterprise', 'government_social', 'individual'] as const
export const CASE_FLAGS = ['walled_compound', 'crowded_courtyard', 'wall_opening', 'rented_3plus', 'farmland', 'official_involved'] as const

export const CASE_SORT_KEYS = ['found_at', 'case_no', 'deadline', 'status', 'admin_code'] as const
export type CaseSortKey = (typeof CASE_SORT_KEYS)[number]

/** How a ledger import treats bad rows: refuse the file, or write the good rows. */
export const IMPORT_MODES = ['all_or_nothing', 'valid_rows_only'] as const
export type ImportMode = (typeof IMPORT_MODES)[number]
