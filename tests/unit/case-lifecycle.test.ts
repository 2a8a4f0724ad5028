import { test } from 'vitest'
import assert from 'node:assert/strict'
import { openPgliteDb } from '../../server/src/db/pglite.db.ts'
import { overdueSql } from '../../server/src/repos/case-clocks.sql.ts'
import {
  allowedActions, checkMigratedState, isMigrationIssue, overdue, planTransition, TransitionError,
  type CaseState, type MigratedState, type TransitionInput,
} from '../../server/src/domain/case-lifecycle.ts'

const NOW = new Date('2026-06-10T12:00:00Z')
const found: CaseState = { status: 'identified', foundAt: '2026-06-01T08:00:00Z', orderIssuedAt: null, deadline: null, disposedAt: null, landAreaM2: 120 }
const at = (s: string) => `2026-06-${s}`

function walk(steps: TransitionInput[], start: CaseState = found) {
  let state = start
  const statuses: string[] = [state.status]
  for (const step of steps) {
    const t = planTransition(state, step, NOW)
    state = {
      ...state,
      status: t.to,
      orderIssuedAt: (t.changes.order_issued_at as string) ?? state.orderIssuedAt,
      deadline: (t.changes.deadline as string) ?? state.deadline,
      disposedAt: (t.changes.disposed_at as string) ?? state.disposedAt,
    }
    statuses.push(t.to)
  }
  return statuses
}

test('the full path: identified → notified → order → demolished → accepted → closed', () => {
  assert.deepEqual(
    walk([
      { action: 'notify', at: at('02T09:00:00Z') },
      { action: 'issue_order', at: at('03T09:00:00Z'), deadline: '2026-06-08' },
      { action: 'demolish', at: at('07T09:00:00Z'), disposal: 'enforced_demolition', demolishedLandAreaM2: 120, demolishedFloorAreaM2: 240, reuse: 'greening', regreenedAreaM2: 100 },
      { action: 'accept', at: at('08T09:00:00Z') },
      { action: 'close', at: at('09T09:00:00Z') },
    ]),
    ['identified', 'notified', 'order_issued', 'demolished', 'accepted', 'closed'],
  )
})

test('other disposals: confiscation, permit regularised, deferral and its resumption', () => {
  const order = { action: 'issue_order' as const, at: at('03T09:00:00Z'), deadline: '2026-06-08' }
  assert.deepEqual(walk([order, { action: 'confiscate', at: at('05T09:00:00Z') }, { action: 'accept', at: at('06T09:00:00Z') }]).at(-1), 'accepted')
  assert.deepEqual(walk([{ action: 'regularise', at: at('02T09:00:00Z'), permitRef: '京规建字2026第18号' }, { action: 'close', at: at('03T09:00:00Z') }]).at(-1), 'closed')
  assert.deepEqual(
    walk([{ action: 'defer', at: at('02T09:00:00Z'), reason: '公共利益：学校临时用房' }, { action: 'resume', at: at('05T09:00:00Z'), deadline: '2026-06-20' }]).at(-1),
    'order_issued',
  )
})

test('new construction can be demolished at once (新生违建快拆), by self or assisted demolition', () => {
  const t = planTransition(found, { action: 'demolish', at: at('02T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: 50, demolishedFloorAreaM2: 50 }, NOW)
  assert.equal(t.to, 'demolished')
  assert.equal(t.changes.disposal, 'self_demolition')
  assert.equal(t.changes.reuse, null)
})

test('an illegal transition names the allowed ones', () => {
  assert.throws(() => planTransition(found, { action: 'close', at: at('02T09:00:00Z') }, NOW), (e: Error) => e instanceof TransitionError && e.message === 'a case that is identified cannot close; allowed: notify, issue_order, demolish, regularise, defer')
  assert.throws(() => planTransition({ ...found, status: 'closed' }, { action: 'notify', at: at('02T09:00:00Z') }, NOW), /allowed: none \(the case is closed; re-inspect it instead\)/)
})

test('each step requires exactly its fields, and checks them', () => {
  const order = { ...found, status: 'order_issued' as const, orderIssuedAt: at('03T09:00:00Z'), deadline: '2026-06-08' }
  const cases: [CaseState, TransitionInput, RegExp, string][] = [
    [found, { action: 'issue_order', at: at('03T09:00:00Z') }, /issue_order needs deadline/, 'deadline'],
    [found, { action: 'issue_order', at: at('03T09:00:00Z'), deadline: '2026-06-01' }, /deadline 2026-06-01 is before the order/, 'deadline'],
    [found, { action: 'defer', at: at('03T09:00:00Z') }, /defer needs reason/, 'reason'],
    [found, { action: 'notify', at: at('03T09:00:00Z'), deadline: '2026-07-01' }, /notify does not take deadline/, 'deadline'],
    [found, { action: 'demolish', at: at('03T09:00:00Z'), disposal: 'enforced_demolition', demolishedLandAreaM2: 1, demolishedFloorAreaM2: 1 }, /enforced demolition needs an order issued first/, 'disposal'],
    [order, { action: 'demolish', at: at('07T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: -3, demolishedFloorAreaM2: 1 }, /demolishedLandAreaM2 must be a number of square metres ≥ 0/, 'demolishedLandAreaM2'],
    [order, { action: 'demolish', at: at('07T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: 2_000_000, demolishedFloorAreaM2: 1 }, /more than 1000000 m² for one site/, 'demolishedLandAreaM2'],
    [order, { action: 'demolish', at: at('07T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: 100, demolishedFloorAreaM2: 100, reuse: 'greening' }, /demolish needs regreenedAreaM2/, 'regreenedAreaM2'],
    [order, { action: 'demolish', at: at('07T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: 100, demolishedFloorAreaM2: 100, reuse: 'greening', regreenedAreaM2: 150 }, /more than the demolished land area/, 'regreenedAreaM2'],
    [found, { action: 'notify', at: '2026-07-01T00:00:00Z' }, /is in the future/, 'at'],
    [found, { action: 'notify', at: '2026-05-01T00:00:00Z' }, /before the case was found/, 'at'],
    [found, { action: 'notify', at: 'yesterday' }, /is not a date-time/, 'at'],
    [order, { action: 'demolish', at: at('02T09:00:00Z'), disposal: 'self_demolition', demolishedLandAreaM2: 1, demolishedFloorAreaM2: 1 }, /is before the order was issued \(2026-06-03T09:00:00Z\)/, 'at'],
    [order, { action: 'confiscate', at: at('03T08:59:00Z') }, /is before the order was issued/, 'at'],
  ]
  for (const [state, input, message, field] of cases) {
    assert.throws(() => planTransition(state, input, NOW), (e: Error) => e instanceof TransitionError && message.test(e.message) && e.field === field, message.source)
  }
})

test('allowed actions per status are what the UI offers', () => {
  assert.deepEqual(allowedActions('order_issued'), ['demolish', 'confiscate', 'regularise', 'defer'])
  assert.deepEqual(allowedActions('deferred'), ['resume'])
  assert.deepEqual(allowedActions('closed'), [])
})

test('clocks: 1 hour to reach and 3 days to remove new construction; order deadlines', () => {
  const fresh = { status: 'identified' as const, newConstruction: true, foundAt: '2026-06-10T10:30:00Z', reachedAt: null, deadline: null }
  assert.deepEqual(overdue(fresh, NOW), { reach: true, removal: false, deadline: false })
  assert.deepEqual(overdue({ ...fresh, reachedAt: '2026-06-10T10:50:00Z' }, NOW), { reach: false, removal: false, deadline: false })
  assert.deepEqual(overdue({ ...fresh, foundAt: '2026-06-06T10:00:00Z', reachedAt: '2026-06-06T10:20:00Z' }, NOW).removal, true)
  assert.deepEqual(overdue({ ...fresh, newConstruction: false, foundAt: '2026-01-01T00:00:00Z' }, NOW), { reach: false, removal: false, deadline: false })
  assert.equal(overdue({ ...fresh, newConstruction: false, status: 'order_issued', deadline: '2026-06-09' }, NOW).deadline, true)
  assert.equal(overdue({ ...fresh, newConstruction: false, status: 'order_issued', deadline: '2026-06-10' }, NOW).deadline, false)
})

test('an order deadline passes at midnight in Beijing, not in UTC (the domain rule and its SQL agree)', async () => {
  const order = { status: 'order_issued' as const, newConstruction: false, foundAt: '2026-06-01T00:00:00Z', reachedAt: null, deadline: '2026-06-10' }
  // 23:30 on the 10th in Beijing: the deadline day is not over
  const lateEvening = new Date('2026-06-10T15:30:00Z')
  // 01:30 on the 11th in Beijing (still the 10th in UTC): it is
  const earlyMorning = new Date('2026-06-10T17:30:00Z')
  assert.equal(overdue(order, lateEvening).deadline, false)
  assert.equal(overdue(order, earlyMorning).deadline, true)
  const db = await openPgliteDb({})
  try {
    const sql = overdueSql('', '$1::timestamptz').deadline
    for (const at of [lateEvening, earlyMorning]) {
      const r = await db.query<{ late: boolean }>(`SELECT ${sql} AS late FROM (SELECT 'order_issued'::text AS status, '2026-06-10'::date AS deadline) c`, [at.toISOString()])
      assert.equal(r.rows[0]!.late, overdue(order, at).deadline, at.toISOString())
    }
  } finally {
    await db.close()
  }
})

// ---- checkMigratedState: a case carried over from a ledger, where it stands ----

const migrated = (s: Partial<MigratedState>): MigratedState => ({ status: 'identified', foundAt: found.foundAt, ...s })
const demolishedRow: Partial<MigratedState> = {
  status: 'closed', orderIssuedAt: at('03T09:00:00Z'), deadline: '2026-06-08', disposal: 'enforced_demolition', disposedAt: at('07T09:00:00Z'),
  demolishedLandAreaM2: 120, demolishedFloorAreaM2: 240, reuse: 'greening', regreenedAreaM2: 100, acceptedAt: at('08T09:00:00Z'), closedAt: at('09T09:00:00Z'),
}
const issueOf = (s: Partial<MigratedState>) => {
  const r = checkMigratedState(migrated(s), NOW)
  return isMigrationIssue(r) ? [r.field, r.zh] : null
}

test('a migrated closed case replays order → demolish → accept → close and is written with every column those steps write', () => {
  const plan = checkMigratedState(migrated(demolishedRow), NOW)
  assert.ok(!isMigrationIssue(plan), JSON.stringify(plan))
  assert.deepEqual(plan.actions, ['issue_order', 'demolish', 'accept', 'close'])
  assert.deepEqual(plan.changes, {
    status: 'closed', order_issued_at: at('03T09:00:00Z'), deadline: '2026-06-08', disposal: 'enforced_demolition', disposed_at: at('07T09:00:00Z'),
    demolished_land_area_m2: 120, demolished_floor_area_m2: 240, reuse: 'greening', regreened_area_m2: 100, accepted_at: at('08T09:00:00Z'), closed_at: at('09T09:00:00Z'),
  })
  const regularised = checkMigratedState(migrated({ status: 'closed', disposal: 'regularisation', disposedAt: at('04T09:00:00Z'), disposalReason: '乡村建设规划许可证 2026-17', closedAt: at('05T09:00:00Z') }), NOW)
  assert.ok(!isMigrationIssue(regularised))
  assert.deepEqual(regularised.actions, ['regularise', 'close'])
  assert.equal(regularised.changes.disposal_reason, 'permit 乡村建设规划许可证 2026-17')
  const deferred = checkMigratedState(migrated({ status: 'deferred', disposal: 'deferral', disposalReason: '重点工程临时用房' }), NOW)
  assert.ok(!isMigrationIssue(deferred))
  assert.deepEqual([deferred.changes.status, deferred.changes.disposal, deferred.changes.disposal_reason], ['deferred', 'deferral', '重点工程临时用房'])
  assert.deepEqual(checkMigratedState(migrated({}), NOW), { changes: { status: 'identified' }, actions: [] })
})

test('a migrated case that breaks the lifecycle is refused naming the field, in Chinese', () => {
  const { disposal: _d, ...noDisposal } = demolishedRow
  assert.deepEqual(issueOf({ ...noDisposal, status: 'demolished', acceptedAt: null, closedAt: null }), ['disposal', '状态为已拆除，须填写处置方式'])
  assert.deepEqual(issueOf({ ...demolishedRow, disposedAt: null }), ['disposedAt', '状态为销账，须填写拆除（处置）时间'])
  assert.deepEqual(issueOf({ ...demolishedRow, closedAt: null }), ['closedAt', '状态为销账，须填写销账时间'])
  assert.deepEqual(issueOf({ ...demolishedRow, acceptedAt: at('06T09:00:00Z') }), ['acceptedAt', '验收时间早于拆除（处置）时间'])
  assert.deepEqual(issueOf({ ...demolishedRow, disposedAt: at('02T09:00:00Z') }), ['disposedAt', '拆除（处置）时间早于限期拆除决定时间'])
  assert.deepEqual(issueOf({ ...demolishedRow, orderIssuedAt: '2026-05-30T09:00:00Z' }), ['orderIssuedAt', '限期拆除决定时间早于发现时间'])
  assert.deepEqual(issueOf({ ...demolishedRow, orderIssuedAt: null }), ['deadline', '填写了整改期限，但没有限期拆除决定时间'])
  assert.deepEqual(issueOf({ status: 'regularised', disposal: 'self_demolition', disposedAt: at('04T09:00:00Z') }), ['disposal', '状态“补办手续”与处置方式不符'])
  assert.deepEqual(issueOf({ status: 'deferred', disposal: 'deferral' }), ['disposalReason', '状态为暂缓，须填写暂缓原因'])
  assert.deepEqual(issueOf({ ...demolishedRow, demolishedLandAreaM2: 2_000_000 })?.[0], 'demolishedLandAreaM2')
  assert.deepEqual(issueOf({ ...demolishedRow, regreenedAreaM2: 500 }), ['regreenedAreaM2', '“拆除”不符合办案流程：复绿面积 500 ㎡ 大于拆除占地面积 120 ㎡'])
  // the state machine's own rule: enforced demolition needs an order first
  assert.deepEqual(issueOf({ ...demolishedRow, orderIssuedAt: null, deadline: null }), ['disposal', '“拆除”不符合办案流程：强拆须先下达限期拆除决定'])
  // a value the status never records is a slip
  assert.deepEqual(issueOf({ status: 'identified', disposedAt: at('04T09:00:00Z') }), ['disposedAt', '状态为排查认定的案件不填写此项'])
  assert.deepEqual(issueOf({ ...demolishedRow, closedAt: '2026-07-01T00:00:00Z' }), ['closedAt', '“销账”不符合办案流程：“销账”时间在未来'])
})
