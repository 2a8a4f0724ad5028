// The app as `npm start` and the Docker image run it: the server (server/src/main.ts) with the
// sample generator (data/sample) for a first start on an empty database. The generator is
// imported only when a sample is actually loaded, so CHAIWEI_SAMPLE=none never loads data/ code.
import type { SampleLoader } from './server/src/boot.ts'
import { startServer } from './server/src/main.ts'

const loadSample: SampleLoader = async (db, size, onProgress) => (await import('./data/sample/load-sample.ts')).loadSample(db, size, onProgress)

startServer({ loadSample })
