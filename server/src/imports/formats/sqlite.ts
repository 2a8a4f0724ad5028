// sql.js (SQLite compiled to wasm) for GeoPackage reading and writing. The wasm bytes are read from
// the installed package and handed over, so emscripten never tries to fetch anything.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import initSqlJs, { type SqlJsStatic } from 'sql.js'

const require = createRequire(import.meta.url)

let sqlJs: Promise<SqlJsStatic> | undefined

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!sqlJs) {
    const wasm = readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'))
    const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer
    sqlJs = initSqlJs({ wasmBinary })
  }
  return sqlJs
}

/** A SQLite identifier, double-quoted with inner quotes doubled (names come from users' files). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
