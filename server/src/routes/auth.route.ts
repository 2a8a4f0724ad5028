import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { Db } from '../db/db.ts'
import { READERS, ROLES } from '../domain/roles.ts'
import { principalOf, SESSION_COOKIE } from '../http/access.ts'
import { unauthorized } from '../http/problem.ts'
import { authenticate, closeSession, openSession } from '../repos/users.repo.ts'

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Enum(ROLES),
  scopeCode: Type.String({ description: 'admin-unit code the user sees and edits within' }),
})

const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)

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
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the session cookie',
        body: Credentials,
        response: { 200: Type.Object({ user: UserSchema }) },
      },
    },
    async (request, reply) => {
      const user = await authenticate(db, request.body.username, request.body.password)
      if (!user) throw unauthorized('wrong username or password', 'bad_credentials')
      const session = await openSession(db, user.id, config.sessionHours)
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, expires: session.expiresAt })
      request.log.info({ user: user.username }, 'signed in')
      return { user }
    },
  )

  app.post(
    '/api/auth/logout',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Sign out; ends the session' } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE]
      if (token) await closeSession(db, token)
      reply.clearCookie(SESSION_COOKIE, cookieOptions)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/auth/me',
    {
      config: { access: { roles: READERS } },
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: Type.Object({ user: UserSchema }) } },
    },
    async (request) => ({ user: principalOf(request).user }),
  )
}
