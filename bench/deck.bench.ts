// The deck.gl hexagons over the whole ledger in headless Chromium: the points endpoint's size and
// time, time to the first aggregated frame, frames per second while panning and zooming for ~10 s,
// the page's JS heap and the browser's memory; with and without the hexagons (the style's case
// layers only), a fresh browser per run, medians of the runs.
//
//   BENCH_DB=postgres://postgres@127.0.0.1:5432/chaiwei_city npx tsx bench/deck.bench.ts 5
//
// The database is only read (the bench adds one user for the run and removes it and its sessions
// afterwards). Needs the built web app (npm run build:web) and /usr/bin/chromium. Headless Chromium
// draws WebGL with SwiftShader on the CPU: the frame rates are a floor, not what a GPU gives.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { openPgDb } from '../server/src/db/pg.db.ts'
import { decodeCasePoints } from '../server/src/domain/case-points.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
import { CHROMIUM, LAUNCH_ARGS } from '../tests/e2e/browser.ts'
import { median, startChildServer, stopServer, tableHeader, tableRow, type ChildServer } from './bench-lib.ts'

const repeats = Number(process.argv[2] ?? 5)
const BENCH_DB = process.env.BENCH_DB ?? 'postgres://postgres@127.0.0.1:5432/chaiwei_city'
const VIEWPORT = { width: 1280, height: 800 }
const INTERACT_MS = 10_000
const ALL = 'basemap,admin,parcels,buildings,buffer-zones,zones,detections,cases,roads,waters,reference-areas,labels'

type Mode = 'style' | 'deck'
interface RunResult { firstFrameMs: number; fps: number; heapMb: number; buffersMb: number; browserMb: number }

/** Proportional set size (MB) of a process and all its descendants: the browser, its renderers, GPU and utility processes. */
function treePssMb(root: number): number {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
    } catch {
      // the process ended meanwhile
    }
  }
  let kb = 0
  const walk = (pid: number) => {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
    } catch {
      // gone
    }
    for (const c of children.get(pid) ?? []) walk(c)
  }
  walk(root)
  return kb / 1024
}

/** The Chromium this process started (a direct child named chromium). */
function browserPid(): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.replace(/^.*\) /, '').split(' ')[1])
      if (ppid === process.pid && /\((chromium|chrome)/.test(stat)) return Number(name)
    } catch {
      // gone
    }
  }
  throw new Error('no chromium child process found')
}

async function interact(page: Page) {
  const cx = VIEWPORT.width / 2
  const cy = VIEWPORT.height / 2
  const until = Date.now() + INTERACT_MS
  let i = 0
  while (Date.now() < until) {
    const dx = [260, -260, 0, 0][i % 4]!
    const dy = [0, 0, 180, -180][i % 4]!
    await page.mouse.move(cx, cy)
    await page.mouse.down()
    await page.mouse.move(cx + dx, cy + dy, { steps: 20 })
    await page.mouse.up()
    // zoom in and back out, staying below the hexagons' last zoom
    await page.mouse.wheel(0, i % 2 ? 240 : -240)
    await page.waitForTimeout(250)
    i++
  }
}

async function run(server: ChildServer, mode: Mode, view: string): Promise<RunResult> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' })
    const [name, value] = server.cookie.split('=') as [string, string]
    await context.addCookies([{ name, value, url: server.base }])
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    const t0 = Date.now()
    await page.goto(`${server.base}/#map=${view}&layers=${ALL}${mode === 'deck' ? ',cases-hex' : ''}`)
    if (mode === 'deck') {
      // the first frame with hexagons: deck's picking finds one at the centre
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-testid="map"]') as (HTMLElement & { chaiweiDeck?: { pickObjects(r: object): { layer: string }[] } }) | null
        const r = el?.getBoundingClientRect()
        return Boolean(el?.chaiweiDeck && r && el.chaiweiDeck.pickObjects({ x: r.width / 2 - 50, y: r.height / 2 - 50, width: 100, height: 100 }).some((o) => o.layer === 'cases-hex'))
      }, undefined, { timeout: 180_000, polling: 100 })
    } else {
      await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: 180_000 })
    }
    const firstFrameMs = Date.now() - t0
    await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: 180_000 })
    // as text: tsx would wrap a named function in a helper the page does not have
    await page.evaluate('window.benchFrames = 0; (function tick() { window.benchFrames++; requestAnimationFrame(tick) })()')
    const start = Date.now()
    await interact(page)
    const frames = await page.evaluate(() => (window as unknown as { benchFrames: number }).benchFrames)
    const fps = frames / ((Date.now() - start) / 1000)
    await cdp.send('HeapProfiler.collectGarbage')
    // typed arrays (the points) live outside the JS heap: their backing stores count separately
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number }
    const browserMb = treePssMb(browserPid())
    await context.close()
    return { firstFrameMs, fps, heapMb: heap.usedSize / 2 ** 20, buffersMb: (heap.backingStorageSize ?? Number.NaN) / 2 ** 20, browserMb }
  } finally {
    await browser.close()
  }
}

const db = await openPgDb(BENCH_DB)
const cases = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases')).rows[0]!.n
const user = { username: `bench-deck-${process.pid}`, password: 'correct horse battery', role: 'admin' as const, scopeCode: '110111' }
await createUser(db, user)
// the web app as built now, copied: a build running meanwhile (others work in this tree) must not
// swap the page's files under a run
const webDir = mkdtempSync(join(tmpdir(), 'chaiwei-deck-web-'))
cpSync(resolve(import.meta.dirname, '../web/dist'), webDir, { recursive: true })
const server = await startChildServer({ ...process.env, DATABASE_URL: BENCH_DB, CHAIWEI_SAMPLE: 'none', CHAIWEI_WEB_DIR: webDir }, user)
try {
  const meta = (await (await fetch(`${server.base}/api/meta`, { headers: { cookie: server.cookie } })).json()) as { district: { center: [number, number] } }
  const [lon, lat] = meta.district.center
  const view = `10.5/${lat}/${lon}`

  // --- the points endpoint: the first answer (query and encoding), a kept body, a 304 ------------
  const first = Date.now()
  const res = await fetch(`${server.base}/api/cases/points`, { headers: { cookie: server.cookie } })
  const body = await res.arrayBuffer()
  const firstMs = Date.now() - first
  const points = decodeCasePoints(body)
  const etag = res.headers.get('etag') ?? ''
  const warm: number[] = []
  const revalidate: number[] = []
  for (let i = 0; i < repeats; i++) {
    let t = Date.now()
    await (await fetch(`${server.base}/api/cases/points`, { headers: { cookie: server.cookie } })).arrayBuffer()
    warm.push(Date.now() - t)
    t = Date.now()
    const r304 = await fetch(`${server.base}/api/cases/points`, { headers: { cookie: server.cookie, 'if-none-match': etag } })
    if (r304.status !== 304) throw new Error(`revalidation answered ${r304.status}`)
    revalidate.push(Date.now() - t)
  }
  const cpu = cpus()
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB; database ${new URL(BENCH_DB).pathname.slice(1)}: ${cases} cases, ${points.count} published points`)
  console.log(`\nGET /api/cases/points (district scope):`)
  console.log(tableHeader(['body', 'first answer (query + encode)', `kept body, median of ${repeats}`, `304 revalidation, median of ${repeats}`]))
  console.log(tableRow([`${(body.byteLength / 2 ** 20).toFixed(2)} MiB`, `${firstMs} ms`, `${median(warm)} ms`, `${median(revalidate)} ms`]))

  // --- the browser, with and without the hexagons -------------------------------------------------
  const results: Record<Mode, RunResult[]> = { style: [], deck: [] }
  for (let i = 0; i < repeats; i++) {
    for (const mode of ['style', 'deck'] as const) {
      const r = await run(server, mode, view)
      results[mode].push(r)
      console.error(`run ${i + 1} ${mode}: first frame ${r.firstFrameMs} ms, ${r.fps.toFixed(1)} fps, heap ${r.heapMb.toFixed(0)} MB + ${r.buffersMb.toFixed(1)} MB buffers, browser ${r.browserMb.toFixed(0)} MB`)
    }
  }
  console.log(`\nheadless Chromium ${VIEWPORT.width}×${VIEWPORT.height}, view ${view}, panning and wheel-zooming for ${INTERACT_MS / 1000} s; medians of ${repeats} runs, a fresh browser each:`)
  console.log(tableHeader(['layers', 'first frame (ms)', 'frames/s while moving', 'JS heap after GC (MB)', 'array buffers (MB)', 'browser processes PSS (MB)']))
  for (const mode of ['style', 'deck'] as const) {
    const rs = results[mode]
    console.log(tableRow([
      mode === 'deck' ? 'style + deck.gl hexagons (200k points, GPU aggregation)' : 'style only (case grid cells from tiles)',
      `${median(rs.map((r) => r.firstFrameMs))}${mode === 'deck' ? ' (hexagons drawn)' : ' (map idle)'}`,
      median(rs.map((r) => r.fps)).toFixed(1),
      median(rs.map((r) => r.heapMb)).toFixed(0),
      median(rs.map((r) => r.buffersMb)).toFixed(1),
      median(rs.map((r) => r.browserMb)).toFixed(0),
    ]))
  }
} finally {
  await stopServer(server)
  rmSync(webDir, { recursive: true, force: true })
  await db.query('DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)', [user.username]).catch(() => {})
  await db.query('DELETE FROM users WHERE username = $1', [user.username]).catch(() => {})
  await db.close()
}
