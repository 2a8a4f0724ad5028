// The one access helper. Every /api and /ogc route declares who may call it in its config:
//   { config: { access: { roles: READERS } } }   signed-in users with one of these roles
//   { config: { access: 'public' } }             anyone (GET only, plus the login form and the public's reports)
// A route that declares nothing refuses to register, and no write is ever public.
// The signed-in user and their scope (an admin-unit code) land on request.principal.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '../db/db.ts'
import { SharedReads } from '../db/shared-reads.ts'
import type { Role } from '../domain/roles.ts'
import { userForSession, type User } from '../repos/users.repo.ts'
import { forbidden, unauthorized } from './problem.ts'
import { scopeOf, type Scope } from '../domain/scope.ts'

export const SESSION_COOKIE = 'chaiwei_session'

export type Access = 'public' | { roles: readonly Role[] }

export interface Principal {
  user: User
  /** Admin-unit code every read and write of this request is confined to. */
  scope: Scope
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

// Writes anyone may make: signing in, signing out (harmless without a session), and the public's
// reports (rate-limited and CAPTCHA-guarded in routes/public.route.ts; Open311 needs an api_key).
const PUBLIC_WRITES = new Set([
  'POST /api/auth/login', 'POST /api/auth/logout',
  'POST /api/public/reports', 'POST /api/public/reports/:code/info', 'POST /api/open311/v2/requests.json',
])
const GUARDED_PREFIXES = ['/api', '/ogc']

/** The principal of a route that declared roles: always set by the time the handler runs. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized()
  return request.principal
}

export function registerAccess(app: FastifyInstance, db: Db) {
  app.decorateRequest('principal', null)

  app.addHook('onRoute', (route) => {
    if (!GUARDED_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`))) return
    const access = route.config?.access
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (access === undefined) throw new Error(`route ${methods.join(',')} ${route.url} declares no access`)
    if (access === 'public') {
      for (const m of methods) {
        if (m !== 'GET' && m !== 'HEAD' && !PUBLIC_WRITES.has(`${m} ${route.url}`)) {
          throw new Error(`route ${m} ${route.url} is a write and cannot be public`)
        }
      }
    }
  })

  // The requests a map opening fires at once with one cookie share one lookup of its session.
  const sessions = new SharedReads<User | null>(db)
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access
    if (access === undefined || access === 'public') return
    const token = request.cookies[SESSION_COOKIE]
    const user = token ? await sessions.read(token, () => userForSession(db, token)) : null
    if (!user) throw token ? unauthorized('your session has ended; sign in again', 'session_ended') : unauthorized()
    if (!access.roles.includes(user.role)) {
      throw forbidden(`this needs the role ${access.roles.join(' or ')}; you are ${user.role}`)
    }
    request.principal = { user, scope: scopeOf(user.scopeCode) }
  })
}
