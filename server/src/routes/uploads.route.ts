// Resumable uploads: a phone sends a photo in pieces, each at the offset the server has reached,
// and after an interruption asks where it stands and goes on from there. A finished upload is
// attached with JSON {uploadId} (routes/attachments.route.ts). Uploads are each user's own.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { badRequest, notFound } from '../http/problem.ts'
import type { PartialUploads } from '../storage/partial-uploads.ts'
import { MAX_ATTACHMENT_BYTES } from './attachments.route.ts'

const WRITERS: readonly Role[] = ['admin', 'planner', 'field']
/** The largest piece one request carries. */
export const MAX_PIECE_BYTES = 1024 * 1024
const PIECE_TYPE = 'application/offset+octet-stream'

const Upload = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    bytes: Type.Integer({ description: 'the whole file' }),
    offset: Type.Integer({ description: 'bytes received so far: the next piece starts here' }),
    fileName: Type.String(),
  },
  { description: 'an upload and how far it has come' },
)
const UploadParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const uploadRoutes: FastifyPluginAsyncTypebox<{ uploads: PartialUploads }> = async (app, { uploads }) => {
  app.addContentTypeParser(PIECE_TYPE, { parseAs: 'buffer', bodyLimit: MAX_PIECE_BYTES }, (_request, body, done) => done(null, body))

  app.post(
    '/api/uploads',
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ['ledger'],
        summary: 'Start a resumable upload of a photo or document: its size and name',
        body: Type.Object(
          { bytes: Type.Integer({ minimum: 1, maximum: MAX_ATTACHMENT_BYTES }), fileName: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: Upload },
      },
    },
    async (request, reply) => {
      const u = await uploads.create(principalOf(request).user.id, request.body.bytes, request.body.fileName)
      return reply.code(201).header('location', `/api/uploads/${u.id}`).send(u)
    },
  )

  app.get(
    '/api/uploads/:id',
    { config: { access: { roles: WRITERS } }, schema: { tags: ['ledger'], summary: 'How far an upload has come (where to go on after an interruption)', params: UploadParams, response: { 200: Upload } } },
    async (request) => {
      const u = await uploads.get(principalOf(request).user.id, request.params.id)
      if (!u) throw notFound(`no upload ${request.params.id} of yours`)
      return u
    },
  )

  app.patch(
    '/api/uploads/:id',
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ['ledger'],
        summary: `Send the next piece (${PIECE_TYPE}, at most ${MAX_PIECE_BYTES / 1024} KB) starting at Upload-Offset; 409 with the offset reached when it does not start there`,
        consumes: [PIECE_TYPE],
        params: UploadParams,
        headers: Type.Object({ 'upload-offset': Type.Integer({ minimum: 0 }) }),
        response: { 200: Upload },
      },
    },
    async (request) => {
      const userId = principalOf(request).user.id
      const piece = request.body as unknown
      if (!Buffer.isBuffer(piece)) throw badRequest(`send the piece as ${PIECE_TYPE}`)
      const offset = await uploads.append(userId, request.params.id, request.headers['upload-offset'], piece)
      if (offset === null) throw notFound(`no upload ${request.params.id} of yours`)
      return (await uploads.get(userId, request.params.id))!
    },
  )
}
