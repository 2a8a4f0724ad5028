// The dependency between the server and the sample generator runs one way: data/ builds on
// server/src (its db, repos, domain), server/src never imports data/. The process entries that
// compose the two (start.ts, cli.ts) live outside server/src.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(import.meta.dirname, '../..')
const SERVER = join(ROOT, 'server/src')
const DATA = join(ROOT, 'data')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(e.name) ? [path] : []
  })
}

/** Every module specifier a file names: import/export … from, import '…', import('…'), require('…'). */
function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
}

/** The specifiers of `file` that resolve into data/. */
function intoData(file: string, text: string): string[] {
  return specifiers(text).filter((s) => {
    if (!s.startsWith('.') && !s.startsWith('/')) return false // a package
    const target = resolve(dirname(file), s)
    return target === DATA || target.startsWith(DATA + sep)
  })
}

test('the check sees static, type-only, re-exported and dynamic imports', () => {
  const file = join(SERVER, 'routes/x.route.ts')
  const text = [
    `import { a } from '../../../data/sample/a.ts'`,
    `import type {\n  B,\n} from "../../../data/sample/b.ts"`,
    `export * from '../../../data/c.ts'`,
    `const d = await import('../../../data/sample/d.ts')`,
    `import { e } from '../repos/e.repo.ts'`,
    `import fastify from 'fastify'`,
  ].join('\n')
  assert.deepEqual(intoData(file, text), ['../../../data/sample/a.ts', '../../../data/sample/b.ts', '../../../data/c.ts', '../../../data/sample/d.ts'])
})

test('no file under server/src imports from data/', () => {
  const files = sourceFiles(SERVER)
  assert.ok(files.length > 50, `read ${files.length} files under server/src`)
  const offenders = files.flatMap((f) => intoData(f, readFileSync(f, 'utf8')).map((s) => `${relative(ROOT, f)} imports ${s}`))
  assert.deepEqual(offenders, [], 'server/src must not import data/: pass what it needs in from an entry outside server/src (start.ts, cli.ts)')
})
