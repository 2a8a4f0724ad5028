// The printable report: the dashboard's map (its canvas, read right after a render) and charts
// (ECharts' getDataURL) composed on one canvas with a title, the date and the choropleth legend.
// PNG is that canvas; PDF puts it on A4 pages with jsPDF (loaded only when asked for), cut at page
// height. Text is drawn on the canvas with the local CJK fonts, so the PDF needs no embedded font.
import { CHART_FONT } from './echarts.ts'
import { saveBlob } from '../download.ts'

export interface ReportImage {
  title: string
  /** A PNG data URL. */
  image: string
}

export interface ReportSpec {
  title: string
  subtitle: string
  map: ReportImage & { legend: { color: string; label: string }[] }
  charts: ReportImage[]
}

const WIDTH = 1600
const MARGIN = 40
const GAP = 24

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => resolve(img)
    img.onerror = () => reject(new Error('image could not be read'))
    img.src = src
  })
}

export async function composeReport(spec: ReportSpec): Promise<HTMLCanvasElement> {
  const map = await loadImage(spec.map.image)
  const charts = await Promise.all(spec.charts.map((c) => loadImage(c.image)))
  const inner = WIDTH - 2 * MARGIN
  const mapH = Math.round((map.height / map.width) * inner)
  const colW = (inner - GAP) / 2
  const chartHs = charts.map((c) => Math.round((c.height / c.width) * colW))
  const rows: number[] = []
  for (let i = 0; i < charts.length; i += 2) rows.push(Math.max(chartHs[i] ?? 0, chartHs[i + 1] ?? 0) + 36)
  const height = MARGIN + 56 + 36 + 34 + mapH + 48 + rows.reduce((a, b) => a + b + GAP, 0) + MARGIN

  const canvas = document.createElement('canvas')
  canvas.width = WIDTH
  canvas.height = height
  const ctx = canvas.getContext('2d')!
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, WIDTH, height)
  ctx.fillStyle = '#1f2328'
  ctx.textBaseline = 'top'
  let y = MARGIN
  ctx.font = `bold 40px ${CHART_FONT}`
  ctx.fillText(spec.title, MARGIN, y)
  y += 56
  ctx.font = `22px ${CHART_FONT}`
  ctx.fillStyle = '#57606a'
  ctx.fillText(spec.subtitle, MARGIN, y)
  y += 36
  ctx.fillStyle = '#1f2328'
  ctx.font = `bold 24px ${CHART_FONT}`
  ctx.fillText(spec.map.title, MARGIN, y)
  y += 34
  ctx.drawImage(map, MARGIN, y, inner, mapH)
  ctx.strokeStyle = '#d0d7de'
  ctx.strokeRect(MARGIN, y, inner, mapH)
  y += mapH + 12
  // The legend under the map.
  let x = MARGIN
  ctx.font = `18px ${CHART_FONT}`
  for (const l of spec.map.legend) {
    ctx.fillStyle = l.color
    ctx.fillRect(x, y + 4, 22, 16)
    ctx.strokeStyle = '#8c959f'
    ctx.strokeRect(x, y + 4, 22, 16)
    ctx.fillStyle = '#1f2328'
    ctx.fillText(l.label, x + 28, y + 2)
    x += 28 + ctx.measureText(l.label).width + 24
  }
  y += 48
  for (let i = 0; i < charts.length; i++) {
    const col = i % 2
    const row = Math.floor(i / 2)
    const cx = MARGIN + col * (colW + GAP)
    const top = y + rows.slice(0, row).reduce((a, b) => a + b + GAP, 0)
    ctx.fillStyle = '#1f2328'
    ctx.font = `bold 22px ${CHART_FONT}`
    ctx.fillText(spec.charts[i]!.title, cx, top)
    ctx.drawImage(charts[i]!, cx, top + 36, colW, chartHs[i]!)
  }
  return canvas
}


export async function reportPng(spec: ReportSpec, fileName: string): Promise<void> {
  const canvas = await composeReport(spec)
  const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'))
  saveBlob(blob, fileName)
}

/** A4 portrait, 10 mm margins; the report cut into page-high slices. */
export async function reportPdf(spec: ReportSpec, fileName: string): Promise<void> {
  const canvas = await composeReport(spec)
  const { jsPDF } = await import('jspdf')
  const pdf = new jsPDF({ orientation: 'portrait', unit: 'mm', format: 'a4', compress: true })
  const pageW = 210 - 20
  const pageH = 297 - 20
  const pxPerMm = canvas.width / pageW
  const slicePx = Math.floor(pageH * pxPerMm)
  for (let top = 0, page = 0; top < canvas.height; top += slicePx, page++) {
    const h = Math.min(slicePx, canvas.height - top)
    const slice = document.createElement('canvas')
    slice.width = canvas.width
    slice.height = h
    slice.getContext('2d')!.drawImage(canvas, 0, top, canvas.width, h, 0, 0, canvas.width, h)
    if (page > 0) pdf.addPage()
    pdf.addImage(slice.toDataURL('image/png'), 'PNG', 10, 10, pageW, h / pxPerMm)
  }
  pdf.save(fileName)
}
