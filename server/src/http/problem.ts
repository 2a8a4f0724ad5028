// Errors as RFC 9457 problem+json. A 4xx says what to fix; a 5xx never leaks SQL or a stack.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { Refusal, type RefusalKind } from '../domain/errors.ts'

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail)
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, 'Bad Request', detail, extra)
/** `code` is a stable key the web app translates; `detail` is the English sentence for everyone else. */
export const unauthorized = (detail = 'sign in first', code = 'sign_in_required') => new HttpProblem(401, 'Unauthorized', detail, { code })
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail)
export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail)

export function sendProblem(reply: FastifyReply, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({ type: 'about:blank', title, status, detail, ...extra })
}

/** The one mapping of the domain's refusals (domain/errors.ts) to HTTP. */
const REFUSAL_STATUS: Readonly<Record<RefusalKind, readonly [number, string]>> = {
  invalid: [400, 'Bad Request'],
  forbidden: [403, 'Forbidden'],
  not_found: [404, 'Not Found'],
  conflict: [409, 'Conflict'],
  stale: [412, 'Precondition Failed'],
  too_large: [413, 'Content Too Large'],
  unprocessable: [422, 'Unprocessable Content'],
}

/** A refusal as problem+json members: detail in English, detailZh, code and field when known, and its facts. */
export function refusalProblem(error: Refusal): { status: number; title: string; detail: string; extra: Record<string, unknown> } {
  const [status, title] = REFUSAL_STATUS[error.kind]
  const extra = {
    ...(error.code ? { code: error.code } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.zh ? { detailZh: error.zh } : {}),
    ...error.extra,
  }
  return { status, title, detail: error.message, extra }
}

export function registerProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | HttpProblem | Refusal, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, error.status, error.title, error.detail, error.extra)
    if (error instanceof Refusal) {
      const p = refusalProblem(error)
      return sendProblem(reply, p.status, p.title, p.detail, p.extra)
    }
    if ('validation' in error && error.validation) {
      // e.g. "body/password must NOT have fewer than 10 characters"; `field` names the top-level
      // property at fault (as our own checks do), so clients never parse the message.
      const first = error.validation[0] as { instancePath?: string; params?: { missingProperty?: string } } | undefined
      const field = first?.instancePath?.split('/')[1] || first?.params?.missingProperty
      return sendProblem(reply, 400, 'Bad Request', error.message, { errors: error.validation, ...(field ? { field } : {}) })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) return sendProblem(reply, status, error.name || 'Bad Request', error.message)
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 500, 'Internal Server Error', `the server failed; quote request id ${request.id} to the administrator`)
  })
}
