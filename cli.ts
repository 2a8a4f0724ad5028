// Operator commands as `npm run migrate | seed | user:create` run them: server/src/cli.ts with the
// sample generator (data/sample) for `seed`, imported only when seed runs.
import type { SampleLoader } from './server/src/boot.ts'
import { runCli } from './server/src/cli.ts'

const loadSample: SampleLoader = async (db, size, onProgress) => (await import('./data/sample/load-sample.ts')).loadSample(db, size, onProgress)

runCli(process.argv.slice(2), { loadSample })
