// The field-work (外业) part of the API client: teams, assignments and a field user's tasks. The
// shapes are the server's schemas (server/src/schemas/field.schema.ts), imported as types only.
// See docs/field.md.
import { request } from './api.ts'
import type {
  AssignBody, Assignment, AssignmentList, AssignmentPatchBody, AssignResult, NewTeamBody, Person, Task, Team, TeamPatchBody,
} from '../../server/src/schemas/field.schema.ts'
import { TASK_KINDS, TEAM_KINDS, type TaskKind, type TeamKind } from '../../server/src/domain/field-work.ts'

export { TASK_KINDS, TEAM_KINDS }
export type { AssignBody, Assignment, AssignResult, Person, Task, TaskKind, Team, TeamKind }

async function json<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal): Promise<{ body: T; etag: string }> {
  const res = await request(method, url, body, signal, headers)
  return { body: (await res.json()) as T, etag: res.headers.get('etag') ?? '' }
}

export async function listTeams(signal?: AbortSignal): Promise<Team[]> {
  return (await json<{ items: Team[] }>('GET', '/api/teams', undefined, undefined, signal)).body.items
}

export async function createTeam(input: NewTeamBody): Promise<Team> {
  return (await json<Team>('POST', '/api/teams', input)).body
}

/** `version` is the team's version as read (sent as If-Match). */
export async function editTeam(id: number, version: number, patch: TeamPatchBody): Promise<Team> {
  return (await json<Team>('PATCH', `/api/teams/${id}`, patch, { 'If-Match': `"v${version}"` })).body
}

/** People work in `admin` may go to. */
export async function fieldWorkers(admin: string, signal?: AbortSignal): Promise<Person[]> {
  return (await json<{ items: Person[] }>('GET', `/api/field-workers?admin=${encodeURIComponent(admin)}`, undefined, undefined, signal)).body.items
}

export interface AssignmentFilter {
  status?: 'open' | 'done' | 'cancelled'
  teamId?: number
  assigneeId?: number
  kind?: TaskKind
  admin?: string
  overdue?: boolean
  limit?: number
  offset?: number
}

export async function listAssignments(filter: AssignmentFilter = {}, signal?: AbortSignal): Promise<AssignmentList> {
  const params = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]))
  return (await json<AssignmentList>('GET', `/api/assignments?${params}`, undefined, undefined, signal)).body
}

export async function assign(body: AssignBody): Promise<AssignResult> {
  return (await json<AssignResult>('POST', '/api/assignments', body)).body
}

export async function editAssignment(id: number, version: number, patch: AssignmentPatchBody): Promise<Assignment> {
  return (await json<Assignment>('PATCH', `/api/assignments/${id}`, patch, { 'If-Match': `"v${version}"` })).body
}

/** My open tasks; with a position, each says how far it is. */
export async function myTasks(opts: { lon?: number; lat?: number; sort?: 'deadline' | 'distance' } = {}, signal?: AbortSignal): Promise<Task[]> {
  const params = new URLSearchParams(Object.entries(opts).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))
  return (await json<{ items: Task[] }>('GET', `/api/my/tasks?${params}`, undefined, undefined, signal)).body.items
}
