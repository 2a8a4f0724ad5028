// Annual targets: the carry-over rule, progress, milestones and burn-down, as pure functions.
import { test } from 'vitest'
import assert from 'node:assert/strict'
import { burndown, carryOver, checkMilestones, milestoneState, progress, TargetInputError, zeroFigures, type FigureSet } from '../../server/src/domain/targets.ts'

const figures = (demolishedArea: number, casesClosed: number, regreenedArea: number): FigureSet => ({ demolishedArea, casesClosed, regreenedArea })

test('a surplus over one year\'s target counts toward the next, and on to the year after', () => {
  const chain = carryOver([
    { year: 2027, target: figures(100, 10, 20), achieved: figures(0, 0, 0) },
    { year: 2025, target: figures(100, 10, 20), achieved: figures(150.25, 12, 10) },
    { year: 2026, target: figures(100, 10, 20), achieved: figures(80, 10, 30) },
  ])
  assert.deepEqual(chain.map((c) => c.year), [2025, 2026, 2027])
  assert.deepEqual(chain[0]!.carriedIn, zeroFigures())
  assert.deepEqual(chain[0]!.carriedOut, figures(50.25, 2, 0)) // regreening fell short: nothing carried, nothing owed
  assert.deepEqual(chain[1]!.carriedIn, figures(50.25, 2, 0))
  assert.deepEqual(chain[1]!.carriedOut, figures(30.25, 2, 10)) // 80 + 50.25 − 100; 10 + 2 − 10; 30 − 20
  assert.deepEqual(chain[2]!.carriedIn, figures(30.25, 2, 10))
  assert.deepEqual(progress(chain[1]!), { demolishedArea: 130.25, casesClosed: 120, regreenedArea: 150 })
  assert.deepEqual(progress(chain[2]!), { demolishedArea: 30.25, casesClosed: 20, regreenedArea: 50 })
})

test('a year without a target breaks the chain; a figure without a target carries nothing', () => {
  const chain = carryOver([
    { year: 2024, target: { demolishedArea: 100, casesClosed: null, regreenedArea: 10 }, achieved: figures(300, 50, 20) },
    { year: 2025, target: figures(100, 10, 10), achieved: figures(0, 0, 0) },
    { year: 2027, target: figures(100, 10, 10), achieved: figures(0, 0, 0) },
  ])
  assert.deepEqual(chain[1]!.carriedIn, figures(200, 0, 10))
  assert.deepEqual(chain[2]!.carriedIn, zeroFigures()) // 2026 has no target
  assert.deepEqual(progress(chain[0]!), { demolishedArea: 300, casesClosed: null, regreenedArea: 200 })
})

test('a milestone is met with what was carried in, due once its date has passed, open before', () => {
  const target = { demolishedArea: 1000, casesClosed: 5, regreenedArea: null }
  const m = { date: '2026-06-30', share: 0.6 }
  const open = milestoneState(m, target, figures(500, 3, 0), figures(50, 0, 0), '2026-06-01')
  assert.deepEqual(open.required, { demolishedArea: 600, casesClosed: 3, regreenedArea: null })
  assert.equal(open.due, false)
  assert.equal(open.met, null)
  assert.equal(milestoneState(m, target, figures(500, 3, 0), figures(50, 0, 0), '2026-07-01').met, false)
  assert.equal(milestoneState(m, target, figures(550, 3, 0), figures(50, 0, 0), '2026-07-01').met, true)
  assert.equal(milestoneState(m, target, figures(599.99, 3, 0), zeroFigures(), '2026-06-01').met, null)
})

test('milestones must lie in the year, once per date, never asking for less later', () => {
  assert.deepEqual(checkMilestones(2026, [{ date: '2026-12-31', share: 1 }, { date: '2026-06-30', share: 0.6 }]).map((m) => m.date), ['2026-06-30', '2026-12-31'])
  const bad: [Parameters<typeof checkMilestones>[1], RegExp, string][] = [
    [[{ date: '2027-01-01', share: 0.5 }], /outside 2026/, 'milestones[0].date'],
    [[{ date: '2026-02-30', share: 0.5 }], /not a date/, 'milestones[0].date'],
    [[{ date: '2026-06-30', share: 0 }], /\(0, 1\]/, 'milestones[0].share'],
    [[{ date: '2026-06-30', share: 1.2 }], /\(0, 1\]/, 'milestones[0].share'],
    [[{ date: '2026-06-30', share: 0.6 }, { date: '2026-09-30', share: 0.5 }], /asks for less/, 'milestones[1].share'],
    [[{ date: '2026-06-30', share: 0.6 }, { date: '2026-06-30', share: 0.7 }], /two milestones/, 'milestones[1].date'],
  ]
  for (const [ms, message, field] of bad) {
    assert.throws(() => checkMilestones(2026, ms), (e: Error) => e instanceof TargetInputError && message.test(e.message) && e.field === field)
  }
})

test('burn-down: remaining work falls with each day\'s achievement, the ideal line reaches 0 on 31 December', () => {
  const daily = new Map([['2026-01-03', figures(100, 1, 0)], ['2026-01-10', figures(950, 0, 0)]])
  const target = { demolishedArea: 1000, casesClosed: 2, regreenedArea: null }
  const days = burndown(2026, target, figures(25.5, 0, 0), daily, '2026-01-12', 'day')
  assert.equal(days.length, 12)
  assert.deepEqual(days[1]!.remaining, { demolishedArea: 974.5, casesClosed: 2, regreenedArea: null })
  assert.deepEqual(days[2]!.remaining, { demolishedArea: 874.5, casesClosed: 1, regreenedArea: null })
  assert.equal(days[9]!.remaining.demolishedArea, 0) // never below zero
  const weeks = burndown(2026, target, zeroFigures(), daily, '2027-03-01', 'week')
  assert.equal(weeks[0]!.date, '2026-01-07')
  assert.equal(weeks.at(-1)!.date, '2026-12-31')
  assert.equal(weeks.at(-1)!.ideal.demolishedArea, 0)
  assert.equal(weeks.at(-1)!.remaining.demolishedArea, 0)
  assert.ok(weeks.every((w, i) => i === 0 || w.ideal.demolishedArea! <= weeks[i - 1]!.ideal.demolishedArea!))
})
