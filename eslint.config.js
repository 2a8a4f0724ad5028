import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// SQL that tests admin-code nesting by hand (`LIKE $1 || '%'`, `starts_with(`): one forgotten or
// mistyped copy is a data leak, so it is written once, in repos/scope.sql.ts.
const RAW_SCOPE_SQL = /\|\| '%'|starts_with\(/
const rawScopeSql = [
  { selector: `Literal[value=${RAW_SCOPE_SQL}]`, message: 'test admin-code nesting with inScope/inUnit/holdsScope from repos/scope.sql.ts' },
  { selector: `TemplateElement[value.raw=${RAW_SCOPE_SQL}]`, message: 'test admin-code nesting with inScope/inUnit/holdsScope from repos/scope.sql.ts' },
]

// SQL runs in repos/, sources/ and db/ only (docs/architecture.md): everything else calls a named
// repo function. `.query(` is the Db interface's statement call; `.exec(` stays allowed (RegExp,
// and sql.js reading a GeoPackage file, which is not the app's database).
const sqlOutsideRepos = [
  { selector: "CallExpression[callee.property.name='query']", message: 'SQL runs only in server/src/repos/, sources/ and db/: move the statement into a repo function and call that' },
]

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'data/pglite/', '.scratch/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/repos/scope.sql.ts'],
    rules: { 'no-restricted-syntax': ['error', ...rawScopeSql] },
  },
  {
    // a later block replaces the rule's options, so this one carries the scope rule too
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/repos/**', 'server/src/sources/**', 'server/src/db/**'],
    rules: { 'no-restricted-syntax': ['error', ...rawScopeSql, ...sqlOutsideRepos] },
  },
)
