// One family for every refusal of a request, whatever layer finds it (domain rules, repos,
// imports): a kind, an English sentence, optionally the same in Chinese, a stable code and the
// field at fault. http/problem.ts maps the family to problem+json once; nothing else does.

/** What kind of refusal, which fixes the HTTP status (http/problem.ts REFUSAL_STATUS). */
export type RefusalKind =
  | 'invalid' // 400: the request is malformed or breaks a rule the caller can fix
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409: the state of things refuses it (a name taken, a record in use)
  | 'stale' // 412: If-Match names an older version, or the record it needs is gone
  | 'too_large' // 413
  | 'unprocessable' // 422: well-formed but unusable (a geometry outside the district)

export interface RefusalDetails {
  /** The same sentence in Chinese, for the web app and for reports staff read. */
  zh?: string
  /** A stable key clients may branch on. */
  code?: string
  /** The request field at fault (top-level property, or e.g. features[3]). */
  field?: string
  /** More machine-readable facts (limits, current version, problem lists). */
  extra?: Record<string, unknown>
}

export class Refusal extends Error {
  readonly zh?: string
  readonly code?: string
  readonly field?: string
  readonly extra: Record<string, unknown>
  constructor(
    readonly kind: RefusalKind,
    message: string,
    details: RefusalDetails = {},
  ) {
    super(message)
    this.zh = details.zh
    this.code = details.code
    this.field = details.field
    this.extra = details.extra ?? {}
  }
}

/** A value the caller sent breaks a rule (400), naming the field. Subclasses only name where it arose. */
export class InputError extends Refusal {
  constructor(message: string, field?: string, zh?: string, code?: string) {
    super('invalid', message, { field, zh, code })
  }
}
