import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { READERS } from '../domain/roles.ts'
import { principalOf, SESSION_COOKIE } from '../http/access.ts'
import { NoContent } from '../http/contract.ts'
import { HttpProblem } from '../http/problem.ts'
import { authenticate, closeSession, openSession, SIGN_IN_LOCKOUT } from '../repos/users.repo.ts'
import { Credentials, SignedIn } from '../schemas/map.schema.ts'

/** Sign-in attempts one address may make per minute (an office behind one NAT address signs in together). */
const SIGN_INS_PER_MINUTE = 30

export const authRoutes: FastifyPluginAsyncTypebox<{ db: Db; config: Config }> = async (app, { db, config }) => {
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.cookieSecure,
  }

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: { max: SIGN_INS_PER_MINUTE, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the session cookie',
        description: `Rate limited to ${SIGN_INS_PER_MINUTE} attempts per minute per address (429). ${SIGN_IN_LOCKOUT.failures} wrong passwords in a row lock the account for ${SIGN_IN_LOCKOUT.minutes} minutes (429, code account_locked). A session cookie sent with the request is ended: signing in always starts a new session.`,
        body: Credentials,
        response: { 200: SignedIn },
      },
    },
    async (request, reply) => {
      const outcome = await authenticate(db, request.body.username, request.body.password)
      if (outcome && 'locked' in outcome) {
        const seconds = Math.max(1, Math.ceil((outcome.locked.getTime() - Date.now()) / 1000))
        request.log.warn({ user: request.body.username }, 'sign-in refused: account locked')
        reply.header('retry-after', String(seconds))
        throw new HttpProblem(429, 'Too Many Requests', `${SIGN_IN_LOCKOUT.failures} wrong passwords in a row: the account is locked for ${Math.ceil(seconds / 60)} more minutes; try again later or ask an administrator`, {
          code: 'account_locked',
          detailZh: `连续 ${SIGN_IN_LOCKOUT.failures} 次密码错误，账号已锁定，请 ${Math.ceil(seconds / 60)} 分钟后再试或联系管理员`,
          retryAfterSeconds: seconds,
        })
      }
      if (!outcome) {
        request.log.warn({ user: request.body.username }, 'sign-in failed')
        throw new HttpProblem(401, 'Unauthorized', 'wrong username or password', { code: 'bad_credentials', detailZh: '用户名或密码错误' })
      }
      const { user } = outcome
      // a session that came with the request (another account's, or a fixed one) ends here
      const previous = request.cookies[SESSION_COOKIE]
      if (previous) await closeSession(db, previous)
      const session = await openSession(db, user.id, config.sessionHours)
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, expires: session.expiresAt })
      request.log.info({ user: user.username }, 'signed in')
      return { user }
    },
  )

  app.post(
    '/api/auth/logout',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Sign out; ends the session', response: { 204: NoContent } } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]
      if (token) await closeSession(db, token)
      reply.clearCookie(SESSION_COOKIE, cookieOptions)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/auth/me',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: SignedIn } },
    },
    async (request) => ({ user: principalOf(request).user }),
  )
}
