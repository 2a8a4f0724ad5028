import { test } from 'node:test'
import assert from 'node:assert/strict'
import { allowedActions, overdue, planTransition, TransitionError, type CaseState, type TransitionInput } from '../../server/src/domain/case-lifecycle.ts'

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
