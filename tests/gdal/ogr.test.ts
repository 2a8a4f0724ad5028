// Other GIS tools read the same data through OGC API Features: Debian's GDAL (gdal-bin) lists every
// collection and copies each to a GeoPackage with the feature count the API reports.
// Needs ogrinfo and ogr2ogr on the PATH (.ci/run installs gdal-bin).
import { afterAll, beforeAll, test } from 'vitest'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let cookie: string
let dir: string
beforeAll(async () => {
  server = await startTestServer()
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(server.login),
  })
  assert.equal(res.status, 200)
  cookie = res.headers.getSetCookie().find((c) => c.startsWith('chaiwei_session='))!.split(';')[0]!
  dir = mkdtempSync(join(tmpdir(), 'chaiwei-gdal-'))
})
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

// Asynchronous: this process serves the requests GDAL makes while it runs.
function gdal(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env: { ...process.env, GDAL_HTTP_COOKIE: cookie, CPL_DEBUG: 'OFF' }, timeout: 300_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  )
}

test('GDAL is installed', () => {
  assert.match(execFileSync('ogrinfo', ['--version'], { encoding: 'utf8' }), /^GDAL \d/)
})

test('ogrinfo lists every collection, and ogr2ogr copies each with the same feature count', { timeout: 600_000 }, async () => {
  const collections = (await (await fetch(`${server.url}/ogc/collections`, { headers: { cookie } })).json()).collections.map((c: { id: string }) => c.id) as string[]
  const listing = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${server.url}/ogc`])
  for (const id of collections) assert.match(listing, new RegExp(`\\d+: ${id} `), `ogrinfo lists ${id}`)
  for (const id of collections) {
    const api = (await (await fetch(`${server.url}/ogc/collections/${id}/items?limit=1`, { headers: { cookie } })).json()).numberMatched as number
    const gpkg = join(dir, `${id}.gpkg`)
    await gdal('ogr2ogr', ['-oo', 'PAGE_SIZE=1000', '-f', 'GPKG', gpkg, `OAPIF:${server.url}/ogc`, id])
    const info = await gdal('ogrinfo', ['-ro', '-so', gpkg, id])
    const count = Number(/Feature Count: (\d+)/.exec(info)?.[1])
    assert.equal(count, api, `${id}: the API reports ${api}, the GeoPackage holds ${count}`)
  }
})

test('the ledger GeoPackage export opens in GDAL with its layer, CRS, fields and every case', { timeout: 120_000 }, async () => {
  const town = '110111105'
  const geojson = await (await fetch(`${server.url}/api/ledger/export.geojson?admin=${town}`, { headers: { cookie } })).json()
  const res = await fetch(`${server.url}/api/ledger/export.gpkg?admin=${town}&crs=EPSG:4548`, { headers: { cookie } })
  assert.equal(res.status, 200)
  const file = join(dir, 'ledger.gpkg')
  writeFileSync(file, Buffer.from(await res.arrayBuffer()))
  const info = await gdal('ogrinfo', ['-ro', '-so', file, '违法建设台账'])
  assert.equal(Number(/Feature Count: (\d+)/.exec(info)?.[1]), geojson.features.length)
  assert.match(info, /CGCS2000 \/ 3-degree Gauss-Kruger CM 117E|EPSG.*4548/)
  assert.match(info, /台账编号: String/)
  assert.match(info, /占地面积（㎡）: Real/)
})
