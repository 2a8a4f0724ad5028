// Screenshots of the map for the docs (docs/screenshots/*.png), taken from a running server with
// the demo sample (not a test; `npm run test:e2e` does not run it):
//
//   CHAIWEI_URL=http://localhost:3000 CHAIWEI_USER=demo-admin CHAIWEI_PASSWORD=… \
//     node --import tsx tests/e2e/screenshots.ts
//
// The views are fixed (URL hashes into the demo district), so shots can be compared across changes.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterRender, CHROMIUM, LAUNCH_ARGS, logIn, open, waitForMapIdle } from './browser.ts'

const url = (process.env.CHAIWEI_URL ?? 'http://localhost:3000').replace(/\/$/, '')
const login = { username: process.env.CHAIWEI_USER ?? 'demo-admin', password: process.env.CHAIWEI_PASSWORD ?? '' }
if (!login.password) throw new Error('set CHAIWEI_PASSWORD (the demo accounts are printed at the first start)')
// CHAIWEI_SHOTS_DIR: somewhere else than the docs' folder (a look at another database's map)
const out = resolve(process.env.CHAIWEI_SHOTS_DIR ?? resolve(import.meta.dirname, '../../docs/screenshots'))
mkdirSync(out, { recursive: true })

const ALL = 'basemap,admin,parcels,buildings,buffer-zones,zones,detections,cases,roads,waters,reference-areas,labels'
const SHOTS: { file: string; hash: string; legends?: string[]; search?: string }[] = [
  // The district: density points for buildings, cases by status.
  { file: 'map-z10.png', hash: `map=10/39.716/115.905&layers=${ALL}`, legends: ['buildings'] },
  // A town: footprints by use, parcels by land class, cases.
  { file: 'map-z14.png', hash: `map=14/39.7187/116.1727&layers=${ALL}`, legends: ['parcels'] },
  // A village: buildings, parcels, cases and a satellite-change patch.
  { file: 'map-z17.png', hash: `map=17/39.7075/116.0195&layers=${ALL}`, legends: ['detections'] },
  // A case found by its number, open in the inspector.
  { file: 'inspector.png', hash: `map=16/39.7075/116.0195&layers=${ALL}`, search: '110111001213-2026-0001' },
  // Buildings extruded by floors.
  { file: 'extruded.png', hash: `map=17.2/39.7078/116.0192/-28/58&layers=${ALL},buildings-3d`, legends: ['buildings'] },
]

const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS })
try {
  for (const shot of SHOTS) {
    const s = await open(browser, url, { width: 1280, height: 820 })
    await logIn(s.page, login)
    await waitForMapIdle(s.page)
    await afterRender(s.page, () => s.page.goto(`${url}/#${shot.hash}`))
    // The legend of the cases is open by default; open the others asked for.
    for (const id of shot.legends ?? []) {
      await s.page.getByTestId('legend-toggle-cases').click()
      await s.page.getByTestId(`legend-toggle-${id}`).click()
    }
    if (shot.search) {
      await s.page.getByTestId('search-input').fill(shot.search)
      const hit = s.page.getByTestId('search-result').first()
      await hit.waitFor()
      await afterRender(s.page, () => hit.click())
      await s.page.locator('[data-testid="inspector"][data-state="ok"]').waitFor()
    }
    // Place names are placed after the tiles (a short timer): let that render too.
    await s.page.waitForTimeout(1500)
    await s.page.screenshot({ path: resolve(out, shot.file) })
    console.log(`${shot.file}: ${s.page.url()}`)
    await s.context.close()
  }
} finally {
  await browser.close()
}
