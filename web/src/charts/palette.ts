// Colours of the planning views and the dashboard: the charts' series and the choropleth's
// classes. Kept apart from theme/colors.ts (the coded values of the map layers) because these
// colour figures, not codes; the map and the charts read the same table so a class looks the
// same in the legend, on the map and in the printed report.

/** Sequential oranges (ColorBrewer "Oranges", 6 classes), light = little, dark = much. */
export const CHOROPLETH_COLORS = ['#feedde', '#fdd0a2', '#fdae6b', '#fd8d3c', '#e6550d', '#a63603'] as const
/** A unit without a figure: drawn see-through, its outline kept. */
export const CHOROPLETH_NONE = 'rgba(0,0,0,0)'
/** Key villages (重点村) highlighted on the map. */
export const KEY_VILLAGE_COLOR = '#b10026'
/** Villages or parcels picked to make a zone from. */
export const PICKED_COLOR = '#6a3d9a'

/** Chart series: actual, target, carried over, planned line. */
export const SERIES = {
  actual: '#2c7fb8',
  target: '#bdbdbd',
  carry: '#41ab5d',
  plan: '#e6550d',
  land: '#2c7fb8',
  floor: '#7fcdbb',
  regreened: '#41ab5d',
  count: '#fd8d3c',
} as const

/** Categorical colours for breakdowns without a thematic table (towns, months). */
export const CATEGORICAL = ['#2c7fb8', '#fd8d3c', '#41ab5d', '#c51b8a', '#8c6bb1', '#e31a1c', '#35978f', '#bf812d', '#6f6f6f', '#a6cee3'] as const

export interface Classes {
  /** Upper bounds of every class but the last (ascending); length = colors.length - 1. */
  breaks: number[]
  colors: string[]
}

/**
 * Quantile classes over the values (as many as there are colours, fewer when the values have
 * fewer distinct levels). Breaks are rounded to 2 significant digits so the legend reads well.
 */
export function classify(values: readonly number[], colors: readonly string[] = CHOROPLETH_COLORS): Classes {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return { breaks: [], colors: [colors[0]!] }
  const breaks: number[] = []
  for (let i = 1; i < colors.length; i++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / colors.length))]!
    const b = roundNice(q)
    if (b > (breaks.at(-1) ?? -Infinity) && b < sorted.at(-1)!) breaks.push(b)
  }
  // Spread the colours over the classes kept, always ending on the darkest.
  const n = breaks.length + 1
  const picked = Array.from({ length: n }, (_, i) => colors[n === 1 ? colors.length - 1 : Math.round((i * (colors.length - 1)) / (n - 1))]!)
  return { breaks, colors: picked }
}

function roundNice(v: number): number {
  if (v === 0) return 0
  const p = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 1)
  return Math.round(v / p) * p
}

export function colorOf(value: number | null | undefined, classes: Classes): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return CHOROPLETH_NONE
  const i = classes.breaks.findIndex((b) => value <= b)
  return classes.colors[i === -1 ? classes.colors.length - 1 : i]!
}
