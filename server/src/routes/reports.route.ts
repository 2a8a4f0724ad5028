// The staff's side of public reports (举报受理): the triage queue with duplicates grouped and nearby
// cases suggested, one report with its photos and history, the triage steps (If-Match), and the
// settings of what the office publishes (公示). docs/public.md.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/db.ts'
import { PERSONAL_DATA_ROLES, READERS, type Role } from '../domain/roles.ts'
import { principalOf } from '../http/access.ts'
import { checkAdminInScope, requireDistrictScope } from '../http/admin-param.ts'
import { binary } from '../http/contract.ts'
import { etagOf, ifMatchVersion } from '../http/etag.ts'
import { notFound } from '../http/problem.ts'
import { editDisclosureSettings, getDisclosureSettings } from '../repos/disclosure.repo.ts'
import { getReport, listReports, reportPhoto, triageReport } from '../repos/reports.repo.ts'
import { DisclosureSettings, DisclosureSettingsBody, ReportPhotoParams, StaffReportDetail, StaffReportList, StaffReportQuery, TriageBody } from '../schemas/public.schema.ts'
import { IdParams } from '../schemas/common.schema.ts'
import type { FileStore } from '../storage/file-store.ts'

/** Who triages reports and decides what is published. */
export const TRIAGE_ROLES: readonly Role[] = ['admin', 'planner']

export const reportRoutes: FastifyPluginAsyncTypebox<{ db: Db; files: FileStore }> = async (app, { db, files }) => {
  const readers = { access: { roles: READERS } }

  app.get('/api/reports', {
    config: readers,
    schema: { tags: ['reports'], summary: 'The triage queue of public reports in your area, oldest group first', querystring: StaffReportQuery, response: { 200: StaffReportList } },
  }, async (request) => {
    const { scope } = principalOf(request)
    const q = request.query
    checkAdminInScope(q.adminCode, scope)
    return listReports(db, { scope, status: q.status ?? 'open', adminCode: q.adminCode, limit: q.limit ?? 200 })
  })

  app.get('/api/reports/:id', {
    config: readers,
    schema: { tags: ['reports'], summary: 'One report: photos, history, its duplicates; the contact only for roles that handle personal data', params: IdParams, response: { 200: StaffReportDetail } },
  }, async (request, reply) => {
    const { user, scope } = principalOf(request)
    const report = await getReport(db, request.params.id, scope, PERSONAL_DATA_ROLES.includes(user.role))
    if (!report) throw notFound(`no report ${request.params.id}`)
    reply.header('etag', etagOf(report.version)).header('cache-control', 'private, no-store')
    return report
  })

  app.post('/api/reports/:id/triage', {
    config: { access: { roles: TRIAGE_ROLES } },
    schema: {
      tags: ['reports'],
      summary: 'Accept into a new case (source 举报), link to a case, reject with a reason or ask the reporter for more (If-Match)',
      params: IdParams,
      body: TriageBody,
      response: { 200: StaffReportDetail },
    },
  }, async (request, reply) => {
    const { user, scope } = principalOf(request)
    const version = ifMatchVersion(request.headers['if-match'], 'report')
    const report = await triageReport(db, request.params.id, scope, version, request.body, user.id)
    if (!report) throw notFound(`no report ${request.params.id}`)
    reply.header('etag', etagOf(report.version))
    return report
  })

  app.get('/api/reports/:id/photos/:photoId', {
    config: readers,
    schema: { tags: ['reports'], summary: 'A photo of a report, as stored (re-encoded, no metadata)', params: ReportPhotoParams, response: { 200: binary('image/jpeg', 'the photo') } },
  }, async (request, reply) => {
    const key = await reportPhoto(db, request.params.id, request.params.photoId, principalOf(request).scope)
    if (!key) throw notFound('no such photo')
    reply.header('cache-control', 'private, max-age=3600')
    return reply.type('image/jpeg').send((await files.get(key)) as unknown as string)
  })

  app.get('/api/disclosure/settings', {
    config: readers,
    schema: { tags: ['reports'], summary: 'What the office publishes (公示)', response: { 200: DisclosureSettings } },
  }, async (_request, reply) => {
    const settings = await getDisclosureSettings(db)
    reply.header('etag', etagOf(settings.version))
    return settings
  })

  app.put('/api/disclosure/settings', {
    config: { access: { roles: TRIAGE_ROLES } },
    schema: { tags: ['reports'], summary: 'Change what the office publishes (If-Match); district-wide users only', body: DisclosureSettingsBody, response: { 200: DisclosureSettings } },
  }, async (request, reply) => {
    const { user, scope } = principalOf(request)
    requireDistrictScope(scope, 'publication settings (公示)')
    const settings = await editDisclosureSettings(db, request.body, ifMatchVersion(request.headers['if-match'], 'disclosure settings'), user.id)
    reply.header('etag', etagOf(settings.version))
    return settings
  })
}
