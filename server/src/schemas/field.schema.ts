// 外业 field work: teams, assignments and a field user's tasks (docs/field.md).
import { Type, type Static } from 'typebox'
import { Nullable } from './common.schema.ts'
import { ASSIGNMENT_STATUSES, TASK_KINDS, TEAM_KINDS } from '../domain/field-work.ts'

const AdminCode = Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$' })

export const Person = Type.Object({ id: Type.Integer(), displayName: Type.String(), role: Type.String(), scopeCode: Type.String() })
export type Person = Static<typeof Person>

export const TeamLoad = Type.Object({
  open: Type.Integer({ description: 'open assignments' }),
  overdue: Type.Integer({ description: 'open assignments past their due date' }),
  doneThisWeek: Type.Integer({ description: 'closed as done in the last 7 days' }),
})

export const Team = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.Enum(TEAM_KINDS),
  adminCode: Type.String(),
  adminName: Type.String(),
  leader: Type.Union([Person, Type.Null()]),
  members: Type.Array(Person),
  load: TeamLoad,
  version: Type.Integer(),
}, { description: 'a team with its members and load' })
export type Team = Static<typeof Team>

export const TeamList = Type.Object({ items: Type.Array(Team) }, { description: 'teams' })

const teamFields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  kind: Type.Enum(TEAM_KINDS),
  adminCode: AdminCode,
  leaderId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  memberIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 200, uniqueItems: true }),
}
export const NewTeamBody = Type.Object(teamFields, { additionalProperties: false })
export type NewTeamBody = Static<typeof NewTeamBody>
export const TeamPatchBody = Type.Partial(Type.Object(teamFields), { additionalProperties: false, minProperties: 1 })
export type TeamPatchBody = Static<typeof TeamPatchBody>

/** What an assignment is about: a case, a patch or a parcel, with what a field user needs to find it. */
export const TaskTarget = Type.Object({
  kind: Type.Enum(TASK_KINDS),
  id: Type.Integer(),
  label: Type.String({ description: 'case number, patch number or parcel number' }),
  status: Type.String({ description: 'the case or patch status; parcels: "parcel"' }),
  adminCode: Type.String(),
  adminName: Type.String(),
  /** [lon, lat] of a point on the thing (inside it), for the map and navigation. */
  point: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
  bbox: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
  /** The target's own clocks: a case's 1-hour reach and 3-day removal (新生违建), an order's deadline, a patch batch's deadline. */
  reachBy: Nullable(Type.String({ format: 'date-time' })),
  removeBy: Nullable(Type.String({ format: 'date-time' })),
  deadline: Nullable(Type.String({ format: 'date', description: 'order deadline or patch batch deadline (Beijing date)' })),
  version: Type.Integer({ description: 'the target record version (its ETag)' }),
})
export type TaskTarget = Static<typeof TaskTarget>

export const Assignment = Type.Object({
  id: Type.Integer(),
  status: Type.Enum(ASSIGNMENT_STATUSES),
  assignee: Type.Union([Person, Type.Null()]),
  team: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
  dueAt: Nullable(Type.String({ format: 'date-time' })),
  note: Nullable(Type.String()),
  assignedBy: Nullable(Type.String()),
  assignedAt: Type.String({ format: 'date-time' }),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  overdue: Type.Boolean({ description: 'open and past its due time' }),
  target: TaskTarget,
  version: Type.Integer(),
}, { description: 'an assignment and what it is about' })
export type Assignment = Static<typeof Assignment>

export const AssignmentList = Type.Object({ total: Type.Integer(), items: Type.Array(Assignment) }, { description: 'a page of assignments and how many match' })
export type AssignmentList = Static<typeof AssignmentList>

/** A field user's task: an assignment with how far it is from where they stand. */
export const Task = Type.Object({
  ...Assignment.properties,
  distanceM: Nullable(Type.Number({ description: 'metres from the position sent, when one was' })),
  /** The earliest of the due time and the target's clocks: what the list is ordered by. */
  nextDeadline: Nullable(Type.String({ format: 'date-time' })),
})
export type Task = Static<typeof Task>
export const TaskList = Type.Object({ items: Type.Array(Task) }, { description: 'the open tasks, in the order asked for' })
export type TaskList = Static<typeof TaskList>

const Ids = Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 5000, uniqueItems: true })
export const AssignBody = Type.Object(
  {
    /** What to assign: exactly one way of picking. */
    cases: Type.Optional(Ids),
    detections: Type.Optional(Ids),
    parcels: Type.Optional(Ids),
    zoneId: Type.Optional(Type.Integer({ minimum: 1, description: 'everything of `kinds` inside a zone' })),
    village: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: 'everything of `kinds` in a village' })),
    kinds: Type.Optional(Type.Array(Type.Enum(['case', 'detection']), { minItems: 1, uniqueItems: true, description: 'with zoneId or village: open cases, unverified patches' })),
    assigneeId: Type.Optional(Type.Integer({ minimum: 1 })),
    teamId: Type.Optional(Type.Integer({ minimum: 1 })),
    dueAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    /** Things already assigned to someone else are skipped unless this is true (then reassigned). */
    reassign: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type AssignBody = Static<typeof AssignBody>

export const AssignResult = Type.Object({
  created: Type.Integer(),
  reassigned: Type.Integer(),
  skipped: Type.Array(Type.Object({ kind: Type.Enum(TASK_KINDS), id: Type.Integer(), reason: Type.String(), reasonZh: Type.String() })),
  items: Type.Array(Assignment),
}, { description: 'what was given out, moved and skipped (with why)' })
export type AssignResult = Static<typeof AssignResult>

export const AssignmentPatchBody = Type.Object(
  {
    assigneeId: Type.Optional(Type.Integer({ minimum: 1 })),
    teamId: Type.Optional(Type.Integer({ minimum: 1 })),
    dueAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    status: Type.Optional(Type.Enum(['done', 'cancelled'])),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type AssignmentPatchBody = Static<typeof AssignmentPatchBody>

export const AssignmentQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(ASSIGNMENT_STATUSES)),
    teamId: Type.Optional(Type.Integer({ minimum: 1 })),
    assigneeId: Type.Optional(Type.Integer({ minimum: 1 })),
    kind: Type.Optional(Type.Enum(TASK_KINDS)),
    admin: Type.Optional(AdminCode),
    overdue: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
)
export type AssignmentQuery = Static<typeof AssignmentQuery>

export const TaskQuery = Type.Object(
  {
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    sort: Type.Optional(Type.Enum(['deadline', 'distance'], { default: 'deadline' })),
  },
  { additionalProperties: false },
)
export type TaskQuery = Static<typeof TaskQuery>

/** Users a planner may give work to, in an area. */
export const FieldUsers = Type.Object({ items: Type.Array(Person) }, { description: 'people who may be given the work' })
