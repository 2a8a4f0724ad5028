// Shared by the browser tests: Chromium launch, login, waiting for the map, reading the view from
// the URL hash and projecting lon/lat to page pixels (Web Mercator, MapLibre's 512 px tiles).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startTestServer, type TestServer } from '../helpers/server.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // WebGL on the CPU: without a GPU, Chromium only gives MapLibre a context through SwiftShader.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
]
export const MAP_TIMEOUT = 60_000
const WEB_DIST = resolve(import.meta.dirname, '../../web/dist/index.html')

/** The app on a fresh database and a Chromium to drive it: what every browser test starts from. */
export async function startAppAndBrowser(): Promise<{ server: TestServer; browser: Browser }> {
  assert.ok(existsSync(WEB_DIST), `no built web app at ${WEB_DIST}: run npm run build:web (npm run test:e2e does)`)
  const server = await startTestServer()
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
  return { server, browser }
}

export async function stopAppAndBrowser(server: TestServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close()
  await server?.close()
}

export interface Session {
  context: BrowserContext
  page: Page
  /** Every URL the page asked for that is not on the app's own origin. */
  foreign: string[]
  pageErrors: string[]
}

export async function open(browser: Browser, url: string, viewport = { width: 1200, height: 800 }): Promise<Session> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' })
  const page = await context.newPage()
  const origin = new URL(url).origin
  const foreign: string[] = []
  const pageErrors: string[] = []
  page.on('request', (r) => {
    const u = r.url()
    if (!u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin) foreign.push(u)
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  // a script, worker, style or image the Content-Security-Policy blocked is a page error too
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
  })
  await page.goto(url)
  return { context, page, foreign, pageErrors }
}

export async function logIn(page: Page, login: { username: string; password: string }) {
  await page.getByTestId('login-username').fill(login.username)
  await page.getByTestId('login-password').fill(login.password)
  await page.getByTestId('login-submit').click()
}

export async function waitForMapIdle(page: Page) {
  await page.locator('[data-testid="map"][data-map-state="idle"]').waitFor({ timeout: MAP_TIMEOUT })
}

async function idleCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('map').getAttribute('data-idle-count')) ?? '0')
}

/** Runs an action that moves the map and waits for the render after it to settle. */
export async function afterRender(page: Page, action: () => Promise<unknown>) {
  const before = await idleCount(page)
  await action()
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="map"]')?.getAttribute('data-idle-count') ?? '0') > n,
    before,
    { timeout: MAP_TIMEOUT },
  )
}

export interface HashView {
  zoom: number
  lat: number
  lon: number
  bearing: number
  pitch: number
  /** The `layers=` list, or null when absent. */
  layers: string[] | null
  raw: string
}

export function parseHash(url: string): HashView | null {
  const hash = new URL(url).hash.replace(/^#/, '')
  const params = new URLSearchParams(hash)
  const map = params.get('map')
  if (!map) return null
  const [zoom, lat, lon, bearing = 0, pitch = 0] = map.split('/').map(Number) as number[]
  const layers = params.get('layers')
  return { zoom: zoom!, lat: lat!, lon: lon!, bearing, pitch, layers: layers === null ? null : layers.split(',').filter(Boolean), raw: hash }
}

/**
 * The view in the URL once MapLibre has written it (it throttles hash updates to one per 300 ms):
 * read until two reads 400 ms apart agree.
 */
export async function settledView(page: Page): Promise<HashView> {
  // Unchanged over three reads (~800 ms): on a loaded machine a zoom animation can pause longer
  // than one interval between frames, and a view read mid-animation is not the one a link keeps.
  let last = ''
  let unchanged = 0
  for (let i = 0; i < 30; i++) {
    const url = page.url()
    unchanged = url === last ? unchanged + 1 : 0
    if (unchanged >= 2) {
      const v = parseHash(url)
      if (v) return v
    }
    last = url
    await page.waitForTimeout(400)
  }
  throw new Error(`the URL never settled on a view: ${page.url()}`)
}

/** Web Mercator world pixels at a zoom (512 px tiles, as MapLibre counts zoom). */
function world(lon: number, lat: number, zoom: number): [number, number] {
  const size = 512 * 2 ** zoom
  const x = ((lon + 180) / 360) * size
  const s = Math.sin((lat * Math.PI) / 180)
  const y = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size
  return [x, y]
}

/** Where lon/lat lies on the page, for a flat map (no pitch or bearing) showing `view`. */
export async function pageXY(page: Page, view: HashView, lon: number, lat: number): Promise<[number, number]> {
  if (view.pitch || view.bearing) throw new Error('pageXY needs a flat, north-up map')
  const box = (await page.getByTestId('map').boundingBox())!
  const [cx, cy] = world(view.lon, view.lat, view.zoom)
  const [x, y] = world(lon, lat, view.zoom)
  return [box.x + box.width / 2 + (x - cx), box.y + box.height / 2 + (y - cy)]
}

export async function mapCentre(page: Page): Promise<[number, number]> {
  const box = (await page.getByTestId('map').boundingBox())!
  return [box.x + box.width / 2, box.y + box.height / 2]
}

/** A drag with a pause before letting go, so that MapLibre adds no inertia. */
export async function drag(page: Page, from: [number, number], to: [number, number]) {
  await page.mouse.move(from[0], from[1])
  await page.mouse.down()
  await page.mouse.move(to[0], to[1], { steps: 12 })
  await page.waitForTimeout(250)
  await page.mouse.up()
}

/** GET on the API with the browser context's session cookie. */
export async function apiGet<T>(context: BrowserContext, url: string): Promise<T> {
  const res = await context.request.get(url, { headers: { accept: 'application/json' } })
  if (!res.ok()) throw new Error(`GET ${url}: ${res.status()} ${await res.text()}`)
  return (await res.json()) as T
}

export interface ApiFeature {
  id: string | number
  geometry: { type: string; coordinates: unknown }
  properties: Record<string, unknown>
}

/** Outer rings of a Polygon or MultiPolygon. */
export function outerRings(geometry: ApiFeature['geometry']): [number, number][][] {
  if (geometry.type === 'Polygon') return [(geometry.coordinates as [number, number][][])[0]!]
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as [number, number][][][]).map((p) => p[0]!)
  return []
}

export function bboxOf(rings: [number, number][][]): [number, number, number, number] {
  const xs = rings.flat().map((p) => p[0])
  const ys = rings.flat().map((p) => p[1])
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
}

/** The mean of a ring's vertices (closing vertex left out): inside for the sample's convex footprints. */
export function ringCentre(ring: [number, number][]): [number, number] {
  const pts = ring.slice(0, -1)
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length]
}
