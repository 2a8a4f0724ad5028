// buildApp(config, db) -> a ready Fastify instance. The process (main.ts) listens on it;
// tests call inject() on it. No global state: two apps on two databases live side by side.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fastifyStatic from '@fastify/static'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.ts'
import type { Db } from './db/db.ts'
import { registerAccess } from './http/access.ts'
import { registerContract } from './http/contract.ts'
import { registerIdempotency } from './http/idempotency.ts'
import { registerProblemHandlers, sendProblem } from './http/problem.ts'
import { registerReadRouting } from './http/read-routing.ts'
import { registerSecurity } from './http/security.ts'
import { attachmentRoutes } from './routes/attachments.route.ts'
import { authRoutes } from './routes/auth.route.ts'
import { caseRoutes } from './routes/cases.route.ts'
import { detectionBatchRoutes } from './routes/detection-batches.route.ts'
import { detectionImportRoutes } from './routes/detection-imports.route.ts'
import { detectionRoutes } from './routes/detections.route.ts'
import { fieldRoutes } from './routes/field.route.ts'
import { open311Routes } from './routes/open311.route.ts'
import { publicRoutes } from './routes/public.route.ts'
import { reportRoutes } from './routes/reports.route.ts'
import { surveyRoutes } from './routes/surveys.route.ts'
import { imageryRoutes } from './routes/imagery.route.ts'
import { healthRoutes } from './routes/health.route.ts'
import { layerImportRoutes } from './routes/layer-imports.route.ts'
import { ledgerIoRoutes } from './routes/ledger-io.route.ts'
import { mapPointRoutes } from './routes/map-points.route.ts'
import { metaRoutes } from './routes/meta.route.ts'
import { ogcRoutes } from './routes/ogc.route.ts'
import { searchRoutes } from './routes/search.route.ts'
import { tileRoutes } from './routes/tiles.route.ts'
import { uploadRoutes } from './routes/uploads.route.ts'
import { bufferRoutes } from './routes/buffers.route.ts'
import { statisticsRoutes } from './routes/statistics.route.ts'
import { targetRoutes } from './routes/targets.route.ts'
import { zoneRoutes } from './routes/zones.route.ts'
import { FileStore } from './storage/file-store.ts'
import { PartialUploads } from './storage/partial-uploads.ts'
import { VERSION } from './version.ts'

export interface AppOptions {
  config: Config
  db: Db
  /** false silences request logs (tests); default follows config.logLevel. */
  logger?: boolean
  /** Fail any JSON answer that strays from its route's declared schema (the test apps; http/contract.ts). */
  checkResponses?: boolean
}

const API_PREFIXES = ['/api/', '/ogc/', '/ogc']

export async function buildApp({ config, db, logger, checkResponses = false }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger === false ? false : { level: config.logLevel },
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For is believed only from the proxies configured (default: one on this machine),
    // else any client could pick its own address past the per-address limits
    trustProxy: config.trustProxy,
    // request validation is http/contract.ts's: the URL's strings coerced, JSON bodies not
  }).withTypeProvider<TypeBoxTypeProvider>()

  registerProblemHandlers(app)
  registerContract(app, { checkResponses })
  await app.register(cookie)
  // before the access check, whose session lookup it routes to the read replica on GET
  registerReadRouting(app, db, config)
  await registerSecurity(app, db)
  registerAccess(app, db)
  registerIdempotency(app, db)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'chaiwei 拆违 API', version: VERSION, description: 'Parcels, buildings, the violation ledger, satellite-change patches and zones over PostGIS.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'chaiwei_session' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger())

  await app.register(healthRoutes, { db })
  await app.register(authRoutes, { db, config })
  await app.register(metaRoutes, { db })
  await app.register(ogcRoutes, { db })
  await app.register(searchRoutes, { db })
  await app.register(caseRoutes, { db })
  await app.register(ledgerIoRoutes, { db })
  await app.register(mapPointRoutes, { db })
  const uploads = new PartialUploads(config.uploadDir)
  const files = new FileStore(config.uploadDir)
  await app.register(attachmentRoutes, { db, files, uploads })
  await app.register(uploadRoutes, { uploads })
  await app.register(tileRoutes, { db })
  await app.register(zoneRoutes, { db })
  await app.register(bufferRoutes, { db })
  await app.register(statisticsRoutes, { db })
  await app.register(targetRoutes, { db })
  await app.register(detectionRoutes, { db, config })
  await app.register(detectionImportRoutes, { db, config })
  await app.register(detectionBatchRoutes, { db })
  await app.register(layerImportRoutes, { db, config })
  await app.register(imageryRoutes, { db })
  await app.register(fieldRoutes, { db })
  await app.register(publicRoutes, { db, files })
  await app.register(open311Routes, { db, config })
  await app.register(reportRoutes, { db, files })
  await app.register(surveyRoutes, { db })

  const webBuilt = existsSync(join(config.webDir, 'index.html'))
  if (webBuilt) {
    await app.register(fastifyStatic, { root: config.webDir, prefix: '/', wildcard: false, index: 'index.html' })
  } else {
    app.log.warn(`no built web app in ${config.webDir}; run npm run build:web`)
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const isApi = API_PREFIXES.some((p) => path === p || path.startsWith(p))
    // Client-side routes of the web app (e.g. /cases/12) load the app itself.
    if (!isApi && webBuilt && request.method === 'GET' && request.headers.accept?.includes('text/html')) {
      return reply.type('text/html').sendFile('index.html')
    }
    if (!isApi && !webBuilt && path === '/') {
      return sendProblem(reply, 404, 'Not Found', 'the web app is not built; run npm run build:web (npm start does it)')
    }
    return sendProblem(reply, 404, 'Not Found', `no route ${request.method} ${path}`)
  })

  await app.ready()
  return app
}
