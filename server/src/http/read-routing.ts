// Which database server answers a request, decided once per request (docs/scaling.md):
//  * writes (every method but GET/HEAD) and the GETs listed in PRIMARY_READS: the primary; after a
//    successful one (status below 400) the client gets the primary's WAL position in the cw_lsn cookie;
//  * other GET/HEAD: the read replica, unless the client's cw_lsn says it wrote something the
//    replica has not replayed yet (then the primary), or the replica is down (then the primary).
// Only active when the app's Db is a RoutingDb (DATABASE_READ_URL set); a no-op otherwise.
//
// The choice reaches the statements through the RoutingDb's AsyncLocalStorage. It is entered in
// onRequest (so the session lookup of http/access.ts is routed too) and entered again in
// preValidation: a request body is read in the socket's callbacks, outside the onRequest context.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { formatLsn, isRoutingDb, parseLsn, type RouteStore } from '../db/routing.db.ts'

export const LSN_COOKIE = 'cw_lsn'
/** How long a client's reads wait for the replica to reach its write: beyond this, lag is an incident. */
export const LSN_COOKIE_SECONDS = 120

/**
 * GETs that write, or whose answer must be the primary's: a CAPTCHA is made (and stored) on GET;
 * the report form's rules make the address salt on first use; an import's status marks an import
 * whose job died as failed, and its owner polls it while a background job writes it.
 */
export const PRIMARY_READS = new Set([
  '/api/public/captcha',
  '/api/public/report-rules',
  '/api/layer-imports/:id',
  '/api/layer-imports/:id/features',
  '/api/detection-imports/:id',
  '/api/detection-imports/:id/preview',
  '/api/ledger/imports/:id',
])

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'primary': this GET is answered by the primary even with a read replica (it writes). */
    readFrom?: 'primary'
  }
  interface FastifyRequest {
    dbRoute: RouteStore | null
  }
}

const READS = new Set(['GET', 'HEAD'])

function mustUsePrimary(request: FastifyRequest): boolean {
  if (!READS.has(request.method)) return true
  return request.routeOptions.config?.readFrom === 'primary' || PRIMARY_READS.has(request.routeOptions.url ?? '')
}

export function registerReadRouting(app: FastifyInstance, db: Db, config: Pick<Config, 'cookieSecure'>): void {
  if (!isRoutingDb(db)) return
  db.useLog(app.log)
  app.decorateRequest('dbRoute', null)

  app.addHook('onRequest', (request, _reply, done) => {
    const decide = async (): Promise<RouteStore> => {
      if (mustUsePrimary(request)) return { target: 'primary', write: true, usedPrimary: false }
      const raw = request.cookies[LSN_COOKIE]
      const seen = raw ? parseLsn(raw) : null
      const { target, reason } = await db.readTarget(seen)
      return { target, reason, write: false, usedPrimary: false }
    }
    decide().then(
      (store) => {
        request.dbRoute = store
        db.run(store, done)
      },
      (err: Error) => done(err),
    )
  })

  app.addHook('preValidation', (request, _reply, done) => {
    if (request.dbRoute) db.run(request.dbRoute, done)
    else done()
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const store = request.dbRoute
    // a refused request (4xx, 5xx) changed nothing its client reads back (a failed sign-in's count is not)
    if (!store?.write || !store.usedPrimary || reply.statusCode >= 400) return payload
    try {
      const lsn = await db.primaryPosition()
      reply.setCookie(LSN_COOKIE, formatLsn(lsn), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, maxAge: LSN_COOKIE_SECONDS })
    } catch (err) {
      // the answer stands; this client's next reads may come from a replica that lags
      request.log.warn({ err }, 'could not read the primary WAL position after a write')
    }
    return payload
  })
}
