// Browser-facing defences that hold for every route (docs/security.md):
//  * security headers (helmet): a CSP that allows only our own scripts, frame-ancestors 'none', nosniff;
//  * cross-site request defence for cookie-authenticated writes: a write whose Origin (or, when a
//    browser sends none, Sec-Fetch-Site) says it came from another site is refused before any handler;
//  * the rate limiter, registered here and switched on per route (sign-in, CAPTCHA, public reports,
//    Open311) with `config.rateLimit`; its counters are in the database (http/rate-limit-store.ts),
//    so every app process counts against one limit.
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '../db/db.ts'
import { HttpProblem } from './problem.ts'
import { SESSION_COOKIE } from './access.ts'
import { databaseRateLimitStore, PRUNE_EVERY_MS, pruneRateLimits } from './rate-limit-store.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export async function registerSecurity(app: FastifyInstance, db: Db): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // React style attributes and MapLibre's controls set inline styles
        styleSrc: ["'self'", "'unsafe-inline'"],
        // online basemaps and imagery (XYZ, WMTS, COG) may be on any host the office configures,
        // intranet tile servers often on plain http
        imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
        connectSrc: ["'self'", 'http:', 'https:'],
        workerSrc: ["'self'", 'blob:'],
        childSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // the app is served over http on a LAN as often as over https; HSTS belongs to the TLS proxy
    strictTransportSecurity: false,
    // MapLibre loads tiles and imagery from other origins the office chose
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })

  await app.register(rateLimit, {
    global: false,
    store: databaseRateLimitStore(db),
    // skipOnError stays false (the plugin's default): a counter that cannot be written fails the
    // request (500) instead of letting it through uncounted (http/rate-limit-store.ts says why)
    skipOnError: false,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, 'Too Many Requests', `too many attempts from this address; try again in ${Math.ceil(context.ttl / 1000)} s`, {
        code: 'rate_limited',
        detailZh: `此地址尝试次数过多，请 ${Math.ceil(context.ttl / 1000)} 秒后再试`,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  })

  // counters whose window has passed; each process prunes (a DELETE of a few rows, on the index)
  const prune = setInterval(() => {
    pruneRateLimits(db).catch((err: unknown) => app.log.warn({ err }, 'pruning rate-limit counters failed'))
  }, PRUNE_EVERY_MS)
  prune.unref()
  app.addHook('onClose', async () => clearInterval(prune))

  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return
    if (request.cookies?.[SESSION_COOKIE] === undefined) return // no ambient credential to abuse
    const why = crossSiteReason(request)
    if (why) {
      throw new HttpProblem(403, 'Forbidden', `a write from another site is refused (${why})`, {
        code: 'cross_site_request',
        detailZh: '拒绝来自其他网站的写入请求（跨站请求）',
      })
    }
  })
}

/** Why a cookie-carrying write looks cross-site, or null. Non-browser clients send neither header. */
export function crossSiteReason(request: FastifyRequest): string | null {
  const origin = request.headers.origin
  if (origin !== undefined) {
    if (origin === 'null') return 'Origin: null'
    let host: string
    try {
      host = new URL(origin).host
    } catch {
      return `unreadable Origin ${origin.slice(0, 100)}`
    }
    // request.host honours X-Forwarded-Host behind the proxy (trustProxy)
    return host.toLowerCase() === request.host.toLowerCase() ? null : `Origin ${origin.slice(0, 100)} is not ${request.host}`
  }
  const site = request.headers['sec-fetch-site']
  return site === 'cross-site' ? 'Sec-Fetch-Site: cross-site' : null
}
