// Two benchmarks of the ledger (台账) import, each run in a fresh process:
//  * import: the whole import (read, check in 5,000-row chunks, locate in PostGIS, stage, write in
//    one transaction) of a generated CSV or XLSX ledger into a fresh database with the 'tiny'
//    sample: time and peak RSS, medians. Embedded PGlite, or DATABASE_URL for a real server.
//      npx tsx bench/ledger-import.bench.ts import 55203,200000 3 [csv|xlsx]
//      DATABASE_URL=postgres://… npx tsx bench/ledger-import.bench.ts import 55203,200000 3
//      BENCH_TEMPLATE=chaiwei_city DATABASE_URL=…   each run imports into a copy of that loaded
//                                                    database (the city sample's 200,014 cases)
//  * read: time and peak memory of readLedgerFile alone (no checking, no database) on a 50,000-row
//    XLSX written once with exceljs.
// Usage:
//   npx tsx bench/ledger-import.bench.ts [rows] [repeats] [reader …]
// A reader is a path to a ledger-import.ts exporting readLedgerFile and Deadline (default: this
// tree's), or `exceljs` for exceljs's whole-workbook reader, for comparison. To measure an older
// version: `git archive <commit> server data package.json | tar -x -C /tmp/before` and
// `ln -s "$PWD/node_modules" /tmp/before/`, then pass /tmp/before/server/src/imports/ledger-import.ts.
// Prints a Markdown table (medians) for bench/README.md, with a digest of the cells read so two
// readers can be seen to agree.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ExcelJS from 'exceljs'
import { IMPORT_LIMITS } from '../server/src/imports/ledger-template.ts'
import { importLedger, newProgress } from '../server/src/imports/ledger-import.ts'
import { createUser } from '../server/src/repos/users.repo.ts'
import { median as medianOf, migrateAndLoad, openBenchDb, tableHeader, tableRow } from './bench-lib.ts'
import { scopeOf } from '../server/src/domain/scope.ts'

const SELF = fileURLToPath(import.meta.url)
const CURRENT = resolve(SELF, '../../server/src/imports/ledger-import.ts')
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)

const HEADERS = ['序号', '台账编号', '所在村', '位置', '用途', '权属类别', '建筑形式', '层数', '占地面积（㎡）', '建筑面积（㎡）', '发现来源', '发现时间',
  '高墙大院', '开墙打洞', '三层及以上出租', '占用耕地', '党员公职人员参与', '经度', '纬度', 'WKT']
const USES = ['居住', '仓储', '商业', '办公', '其他']
const OWNERS = ['集体经济', '国有', '企业', '政府部门和社会单位', '个人', '']
const SOURCES = ['卫片', '巡查', '举报', '自查', '上级交办']
const VILLAGES = ['东坝村', '西红门村', '黄村镇三合庄村', '旧宫镇南小街社区', '瀛海镇兴海家园']

/** A ledger as staff keep it: Chinese text in most cells, dates, numbers, a WKT polygon every 10th row. */
async function writeLedger(path: string, rows: number): Promise<void> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('台账')
  ws.addRow(HEADERS)
  for (let i = 0; i < rows; i++) {
    const lon = 116.3 + (i % 400) * 0.0005
    const lat = 39.7 + Math.floor(i / 400) * 0.0004
    const polygon = i % 10 === 3
    const d = 0.00001
    ws.addRow([
      i + 1,
      '',
      VILLAGES[i % VILLAGES.length],
      `${VILLAGES[i % VILLAGES.length]}${i}号院东侧，沿河路北约五十米处的彩钢板房`,
      USES[i % USES.length],
      OWNERS[i % OWNERS.length],
      '砖混平房',
      1 + (i % 5),
      100 + (i % 97),
      (100 + (i % 97)) * (1 + (i % 5)),
      SOURCES[i % SOURCES.length],
      new Date(Date.UTC(2025, i % 12, 1 + (i % 28), 9, 30)),
      i % 7 === 0 ? '是' : '否',
      '',
      i % 11 === 0 ? '是' : '否',
      i % 13 === 0 ? '是' : '',
      '否',
      polygon ? '' : lon,
      polygon ? '' : lat,
      polygon ? `POLYGON((${lon} ${lat},${lon + d} ${lat},${lon + d} ${lat + d},${lon} ${lat + d},${lon} ${lat}))` : '',
    ])
  }
  await wb.xlsx.writeFile(path)
}

interface RunResult { ms: number; cpuMs: number; baseRssMb: number; peakRssMb: number; rows: number; digest: string }

/** One cell as text for the digest, the same for every reader. */
function cellKey(c: unknown): string {
  if (c === null || c === undefined || c === '') return ''
  if (c instanceof Date) return `D${c.toISOString()}`
  if (typeof c === 'object') return `E${JSON.stringify(c)}`
  return `${typeof c}:${String(c)}`
}

async function runOne(file: string, reader: string): Promise<RunResult> {
  const buf = readFileSync(file)
  // the reader's module is loaded (and compiled by tsx) before the clock starts
  const mod = reader === 'exceljs' ? null : ((await import(pathToFileURL(reader).href)) as typeof import('../server/src/imports/ledger-import.ts'))
  global.gc?.()
  const baseRss = process.memoryUsage().rss
  const hash = createHash('sha256')
  let rows = 0
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let ms: number
  let cpuMs: number
  const stop = () => {
    ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    cpuMs = (cpu.user + cpu.system) / 1000
  }
  if (!mod) {
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(buf as unknown as ExcelJS.Buffer)
    stop()
    wb.eachSheet((ws) => {
      ws.eachRow((row) => {
        rows++
        const values = row.values as unknown[]
        hash.update(values.slice(1).map((v) => cellKey(typeof v === 'object' && v !== null && 'richText' in v ? (v as { richText: { text: string }[] }).richText.map((r) => r.text).join('') : v)).join('\t').replace(/\t+$/, '') + '\n')
      })
    })
  } else {
    const limits = { ...IMPORT_LIMITS }
    const table = await mod.readLedgerFile(buf, 'ledger.xlsx', limits, new mod.Deadline(limits))
    stop()
    for (const sheet of table.sheets) {
      for (const r of sheet.rows) {
        rows++
        hash.update(r.cells.map(cellKey).join('\t').replace(/\t+$/, '') + '\n')
      }
    }
  }
  return { ms: ms!, cpuMs: cpuMs!, baseRssMb: mb(baseRss), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), rows, digest: hash.digest('hex').slice(0, 12) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// ---- the whole import ----

const IMPORT_HEADERS = ['序号', '所在镇街', '所在村', '位置', '用途', '权属类别', '层数', '占地面积（㎡）', '建筑面积（㎡）', '发现来源', '发现时间',
  '整治状态', '处置方式', '拆除时间', '拆除占地面积', '拆除建筑面积', '再利用方式', '复绿面积', '验收时间', '销账时间', '经度', '纬度', 'WKT']

/**
 * A district's ledger as staff keep it: one row per case in the sample's villages, a quarter already
 * demolished (self-demolition, re-greened), an eighth closed, one in ten without coordinates (placed
 * at its village, 待定位), a WKT polygon every 10th located row.
 */
async function writeImportLedger(path: string, rows: number, format: 'csv' | 'xlsx'): Promise<void> {
  const { db, drop } = await openBenchDb(`chaiwei_bench_ledger_prep_${process.pid}`)
  let villages: { code: string; name: string; town: string; lon: number; lat: number }[]
  try {
    await migrateAndLoad(db, 'tiny')
    villages = (await db.query<{ code: string; name: string; town: string; lon: number; lat: number }>(
      `SELECT v.code, v.name, t.name AS town, ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
       FROM admin_units v JOIN admin_units t ON t.code = v.parent_code WHERE v.level = 'village' ORDER BY v.code`,
    )).rows
  } finally {
    await drop()
  }
  const d = 0.00001
  const line = (i: number): (string | number)[] => {
    const v = villages[i % villages.length]!
    const pending = i % 10 === 9
    const polygon = !pending && i % 10 === 3
    const demolished = i % 4 === 0
    const closed = i % 8 === 0
    const land = 20 + (i % 300)
    return [
      i + 1, v.town, v.code, `${v.name}${i}号院东侧，沿河路北约五十米处的彩钢板房`, USES[i % USES.length]!, OWNERS[i % OWNERS.length]!, 1 + (i % 3), land, land * (1 + (i % 3)),
      SOURCES[i % SOURCES.length]!, `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')} 09:30`,
      closed ? '销账' : demolished ? '已拆除' : '', demolished ? '自拆' : '', demolished ? '2025-03-15' : '', demolished ? land : '', demolished ? land * (1 + (i % 3)) : '',
      demolished ? '拆违建绿' : '', demolished ? Math.floor(land / 2) : '', closed ? '2025-03-20' : '', closed ? '2025-04-01' : '',
      pending || polygon ? '' : v.lon, pending || polygon ? '' : v.lat,
      polygon ? `POLYGON((${v.lon} ${v.lat},${v.lon + d} ${v.lat},${v.lon + d} ${v.lat + d},${v.lon} ${v.lat + d},${v.lon} ${v.lat}))` : '',
    ]
  }
  if (format === 'csv') {
    const out = createWriteStream(path)
    const put = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())))
    await put(`\uFEFF${IMPORT_HEADERS.join(',')}\r\n`)
    for (let i = 0; i < rows; i++) await put(`${line(i).map((c) => (/[",]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : c)).join(',')}\r\n`)
    await new Promise<void>((resolve) => out.end(() => resolve()))
    return
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true })
  const ws = wb.addWorksheet('台账')
  ws.addRow(IMPORT_HEADERS).commit()
  for (let i = 0; i < rows; i++) ws.addRow(line(i)).commit()
  ws.commit()
  await wb.commit()
}

interface ImportRun { ms: number; checkMs: number; writeMs: number; baseRssMb: number; peakRssMb: number; maxRssMb: number; imported: number; pending: number; problems: number }

async function runImport(path: string): Promise<ImportRun> {
  const template = process.env.BENCH_TEMPLATE
  const { db, drop } = await openBenchDb(`chaiwei_bench_ledger_${process.pid}`, template)
  try {
    if (!template) await migrateAndLoad(db, 'tiny')
    const user = await createUser(db, { username: 'bench', password: 'correct horse battery', role: 'planner', scopeCode: '110111' })
    global.gc?.()
    const baseRss = process.memoryUsage().rss
    const progress = newProgress()
    const t0 = performance.now()
    let writing = 0
    // RSS sampled while the import runs: the process's lifetime maxRSS also holds the sample load
    let peakRss = baseRss
    const watch = setInterval(() => {
      if (!writing && progress.phase === 'writing') writing = performance.now()
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 20)
    const r = await importLedger(db, { file: { path }, fileName: path.replace(/^.*\//, ''), mode: 'all_or_nothing', userId: user.id, scope: scopeOf('110111') }, progress)
    const t1 = performance.now()
    clearInterval(watch)
    return {
      ms: t1 - t0, checkMs: (writing || t1) - t0, writeMs: t1 - (writing || t1), baseRssMb: mb(baseRss), peakRssMb: mb(Math.max(peakRss, process.memoryUsage().rss)),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      imported: r.imported, pending: r.locationPending, problems: r.problemCount,
    }
  } finally {
    await drop()
  }
}

async function mainImport() {
  const sizes = (process.argv[3] ?? '55203,200000').split(',').map(Number)
  const repeats = Number(process.argv[4] ?? 3)
  const format = (process.argv[5] ?? 'csv') as 'csv' | 'xlsx'
  const backend = process.env.DATABASE_URL ? 'postgis' : 'pglite'
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-bench-ledger-'))
  try {
    const into = process.env.BENCH_TEMPLATE ? `a copy of ${process.env.BENCH_TEMPLATE}` : "the 'tiny' sample"
    console.log(`backend ${backend}, ${format.toUpperCase()} ledgers, ${repeats} runs each (fresh process and database with ${into} per run), Node ${process.version}\n`)
    console.log(tableHeader(['rows', 'file MB', 'import s', 'read+check s', 'write s', 'RSS before MB', 'peak RSS during import MB', 'process maxRSS MB', 'imported', '待定位']))
    for (const n of sizes) {
      const file = join(dir, `ledger-${n}.${format}`)
      await writeImportLedger(file, n, format)
      const runs: ImportRun[] = []
      for (let i = 0; i < repeats; i++) {
        const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'import-run', file], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] })
        runs.push(JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as ImportRun)
      }
      const m = (k: keyof ImportRun) => medianOf(runs.map((r) => r[k]))
      console.log(tableRow([n.toLocaleString('en'), (statSync(file).size / 1024 / 1024).toFixed(1), (m('ms') / 1000).toFixed(1), (m('checkMs') / 1000).toFixed(1),
        (m('writeMs') / 1000).toFixed(1), m('baseRssMb'), m('peakRssMb'), m('maxRssMb'), m('imported').toLocaleString('en'), m('pending').toLocaleString('en')]))
      rmSync(file, { force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main() {
  if (process.argv[2] === 'import') return mainImport()
  if (process.argv[2] === 'import-run') {
    const r = await runImport(process.argv[3]!)
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`)
    return
  }
  if (process.argv[2] === 'run') {
    const r = await runOne(process.argv[3]!, process.argv[4]!)
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`)
    return
  }
  const n = Number(process.argv[2] ?? 50_000)
  const repeats = Number(process.argv[3] ?? 3)
  const readers = process.argv.length > 4 ? process.argv.slice(4) : [CURRENT]
  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-bench-ledger-'))
  try {
    const file = join(dir, 'ledger.xlsx')
    const t0 = performance.now()
    await writeLedger(file, n)
    console.log(`${n.toLocaleString('en')} rows × ${HEADERS.length} columns, ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB XLSX written by exceljs in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${repeats} runs per reader (fresh process each), Node ${process.version}\n`)
    console.log('| reader | read s (wall) | CPU s | RSS before MB | peak RSS MB | rows | cells digest |')
    console.log('|---|---|---|---|---|---|---|')
    for (const reader of readers) {
      const runs: RunResult[] = []
      for (let i = 0; i < repeats; i++) {
        const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'run', file, reader === 'exceljs' ? reader : resolve(reader)], { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env })
        runs.push(JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!) as RunResult)
      }
      const m = (k: 'ms' | 'cpuMs' | 'baseRssMb' | 'peakRssMb') => median(runs.map((r) => r[k]))
      const digests = [...new Set(runs.map((r) => r.digest))].join(', ')
      console.log(`| ${reader} | ${(m('ms') / 1000).toFixed(2)} | ${(m('cpuMs') / 1000).toFixed(2)} | ${m('baseRssMb')} | ${m('peakRssMb')} | ${runs[0]!.rows} | ${digests} |`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
