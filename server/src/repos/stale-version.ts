/** A record changed since the caller read it (If-Match names an older version): every editable record. */
export class StaleVersionError extends Error {
  constructor(
    readonly what: string,
    readonly current: number,
  ) {
    super(`the ${what} was changed by someone else (now version ${current}); reload it and try again`)
  }
}
