import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// SQL that tests admin-code nesting by hand (`LIKE $1 || '%'`, `starts_with(`): one forgotten or
// mistyped copy is a data leak, so it is written once, in repos/scope.sql.ts.
const RAW_SCOPE_SQL = /\|\| '%'|starts_with\(/
const rawScopeSql = [
  { selector: `Literal[value=${RAW_SCOPE_SQL}]`, message: 'test admin-code nesting with inScope/inUnit/holdsScope from repos/scope.sql.ts' },
  { selector: `TemplateElement[value.raw=${RAW_SCOPE_SQL}]`, message: 'test admin-code nesting with inScope/inUnit/holdsScope from repos/scope.sql.ts' },
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
)
