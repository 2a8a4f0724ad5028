// The test suites (decision 78). Each test file runs in a process of its own (pool 'forks',
// isolated), as node --test ran them. Unit and API files run two at a time: the machine has two
// cores and every API file starts a database of its own. Browser files run one at a time (one
// Chromium and one app server each). Timeouts are long on purpose: node:test had none, an API
// file on the embedded database may wait minutes for the shared snapshot to be built, and a
// test that needs longer says so in its own options.
import { defineConfig } from 'vitest/config'

const MINUTE = 60_000

/** One suite: its folder, how many of its files run at once, and its default timeouts. */
function suite(name: string, files: string[], maxWorkers: number, groupOrder: number, timeout: number) {
  return {
    test: {
      name,
      include: files,
      maxWorkers,
      // projects with different maxWorkers run one after the other (unit and api share a group)
      sequence: { groupOrder },
      testTimeout: timeout,
      hookTimeout: timeout,
    },
  }
}

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    isolate: true,
    watch: false,
    // every test listed with its time and any skip reason, as node --test's report had them
    reporters: ['verbose'],
    projects: [
      suite('unit', ['tests/unit/**/*.test.ts'], 2, 0, 5 * MINUTE),
      suite('api', ['tests/api/**/*.test.ts'], 2, 0, 10 * MINUTE),
      suite('parity', ['tests/parity/**/*.test.ts'], 1, 1, 15 * MINUTE),
      suite('gdal', ['tests/gdal/**/*.test.ts'], 1, 2, 15 * MINUTE),
      suite('e2e', ['tests/e2e/**/*.test.ts'], 1, 3, 10 * MINUTE),
    ],
  },
})
