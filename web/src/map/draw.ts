// Drawing zones on the map with terra-draw: polygons, rectangles and freehand shapes make the
// zone's outline, "hole" polygons are cut out of it, select mode edits vertices (drag, insert at
// midpoints, delete). The zone is the union of the outlines minus the holes (turf, on the
// client), and its geodesic area (turf) is reported on every change, including the provisional
// ones while a shape follows the mouse, so the figure is live. Snapping, when on, pulls the
// pointer to the nearest vertex of a parcel or admin boundary drawn on the map (read from the
// rendered vector tiles, so only what the user can see).
//
// Loaded lazily by map-view.ts (startDrawing) with the planning view: terra-draw stays out of the
// map screen's first chunk. Only this module and map-view.ts touch terra-draw.
import type { Map as MapLibreMap } from 'maplibre-gl'
import {
  TerraDraw,
  TerraDrawFreehandMode,
  TerraDrawPolygonMode,
  TerraDrawRectangleMode,
  TerraDrawRenderMode,
  TerraDrawSelectMode,
  type GeoJSONStoreFeatures,
  type HexColor,
  type SnapToCustom,
} from 'terra-draw'
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter'
import turfArea from '@turf/area'
import turfDifference from '@turf/difference'
import turfUnion from '@turf/union'
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson'

export type DrawTool = 'polygon' | 'rectangle' | 'freehand' | 'hole' | 'select' | 'none'
export type ZoneGeometry = Polygon | MultiPolygon

export interface DrawState {
  /** Union of the outlines minus the holes; null when nothing (with area) is drawn. */
  geometry: ZoneGeometry | null
  /** Geodesic area of `geometry` in m² (turf), 0 when none. */
  areaM2: number
  /** A shape is being drawn right now (the area follows the mouse). */
  drawing: boolean
  /** Shapes in the drawing (outlines and holes). */
  shapes: number
  /** Whether a shape is selected for editing (delete works on it). */
  selected: boolean
}

export interface DrawOptions {
  onChange(state: DrawState): void
}

export interface DrawController {
  setTool(tool: DrawTool): void
  tool(): DrawTool
  setSnapping(on: boolean): void
  /** Replace the drawing with a geometry (a saved zone to edit, a selection, an import). */
  load(geometry: ZoneGeometry | null): void
  state(): DrawState
  /** Remove the selected shape (select mode), or the last one when none is selected. */
  deleteShape(): void
  clear(): void
  destroy(): void
}

/** Pixels within which the pointer snaps to a boundary vertex. */
const SNAP_PX = 12
/** Sources whose drawn vertices the pointer snaps to. */
const SNAP_SOURCES = new Set(['parcels', 'admin-units'])
/** A shape smaller than this (m²) is a click, not an area: left out of the union. */
const MIN_SHAPE_M2 = 0.01

const OUTLINE: HexColor = '#d7301f'
const HOLE: HexColor = '#2b6cb0'
const OUTLINE_MODES = new Set(['polygon', 'rectangle', 'freehand'])

const polygonStyles = (color: HexColor) => ({
  fillColor: color,
  fillOpacity: 0.18,
  outlineColor: color,
  outlineWidth: 2,
  closingPointColor: color,
  closingPointOutlineColor: '#ffffff' as HexColor,
  closingPointWidth: 5,
  closingPointOutlineWidth: 2,
  snappingPointColor: '#ffbf00' as HexColor,
  snappingPointOutlineColor: '#000000' as HexColor,
  snappingPointWidth: 6,
  snappingPointOutlineWidth: 1,
})

/** The nearest vertex of a rendered parcel or admin-unit feature within SNAP_PX of the pointer. */
function snapToBoundaries(map: MapLibreMap): SnapToCustom {
  return (event) => {
    const layers = map
      .getStyle()
      .layers.filter((l) => 'source' in l && SNAP_SOURCES.has(l.source as string) && (l.type === 'fill' || l.type === 'line'))
      .map((l) => l.id)
    if (layers.length === 0) return undefined
    const { containerX: x, containerY: y } = event
    let features
    try {
      features = map.queryRenderedFeatures(
        [
          [x - SNAP_PX, y - SNAP_PX],
          [x + SNAP_PX, y + SNAP_PX],
        ],
        { layers },
      )
    } catch {
      return undefined
    }
    let best: Position | undefined
    let bestD = SNAP_PX * SNAP_PX
    const visit = (c: Position) => {
      const p = map.project([c[0]!, c[1]!])
      const d = (p.x - x) ** 2 + (p.y - y) ** 2
      if (d <= bestD) {
        bestD = d
        best = [c[0]!, c[1]!]
      }
    }
    for (const f of features) {
      const g = f.geometry
      if (g.type === 'Polygon') g.coordinates.forEach((r) => r.forEach(visit))
      else if (g.type === 'MultiPolygon') g.coordinates.forEach((p) => p.forEach((r) => r.forEach(visit)))
      else if (g.type === 'LineString') g.coordinates.forEach(visit)
      else if (g.type === 'MultiLineString') g.coordinates.forEach((l) => l.forEach(visit))
    }
    return best
  }
}

const asFeature = (g: Polygon | MultiPolygon): Feature<Polygon | MultiPolygon> => ({ type: 'Feature', properties: {}, geometry: g })

/** Union of the outline shapes minus the hole shapes; null when nothing with area remains. */
export function composeZone(features: readonly { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[]): ZoneGeometry | null {
  const polygons = features.filter((f) => f.geometry.type === 'Polygon') as unknown as { geometry: Polygon; properties: Record<string, unknown> }[]
  const sized = polygons.filter((f) => turfArea(f.geometry) > MIN_SHAPE_M2)
  const outlines = sized.filter((f) => OUTLINE_MODES.has(String(f.properties['mode'])))
  const holes = sized.filter((f) => f.properties['mode'] === 'hole')
  if (outlines.length === 0) return null
  let zone: Feature<Polygon | MultiPolygon> | null =
    outlines.length === 1 ? asFeature(outlines[0]!.geometry) : turfUnion({ type: 'FeatureCollection', features: outlines.map((f) => asFeature(f.geometry)) })
  if (zone && holes.length > 0) {
    zone = turfDifference({ type: 'FeatureCollection', features: [zone, ...holes.map((f) => asFeature(f.geometry))] })
  }
  return zone?.geometry ?? null
}

/** A zone's geometry as terra-draw features: each outer ring an outline, each inner ring a hole. */
function toShapes(g: ZoneGeometry): GeoJSONStoreFeatures[] {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  const out: GeoJSONStoreFeatures[] = []
  for (const rings of polys) {
    rings.forEach((ring, i) => {
      out.push({
        type: 'Feature',
        properties: { mode: i === 0 ? 'polygon' : 'hole' },
        geometry: { type: 'Polygon', coordinates: [ring] },
      } as GeoJSONStoreFeatures)
    })
  }
  return out
}

export function createDrawing(map: MapLibreMap, opts: DrawOptions): DrawController {
  const snapCustom = snapToBoundaries(map)
  let snapping = false
  const snappingFor = () => (snapping ? { toCustom: snapCustom } : {})
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 9 }),
    modes: [
      new TerraDrawPolygonMode({ styles: polygonStyles(OUTLINE), snapping: snappingFor() }),
      new TerraDrawRectangleMode({ styles: { fillColor: OUTLINE, fillOpacity: 0.18, outlineColor: OUTLINE, outlineWidth: 2 } }),
      new TerraDrawFreehandMode({ styles: { fillColor: OUTLINE, fillOpacity: 0.18, outlineColor: OUTLINE, outlineWidth: 2 } }),
      new TerraDrawPolygonMode({ modeName: 'hole', styles: { ...polygonStyles(HOLE), fillOpacity: 0.3 }, snapping: snappingFor() }),
      new TerraDrawSelectMode({
        flags: Object.fromEntries(
          ['polygon', 'rectangle', 'freehand', 'hole'].map((m) => [
            m,
            {
              feature: {
                draggable: true,
                coordinates: { draggable: true, midpoints: true, deletable: true, snappable: snapping ? { toCustom: snapCustom } : false },
              },
            },
          ]),
        ),
        styles: {
          selectedPolygonColor: '#ff7f00',
          selectedPolygonOutlineColor: '#ff7f00',
          selectedPolygonOutlineWidth: 3,
          selectedPolygonFillOpacity: 0.2,
          selectionPointColor: '#ffffff',
          selectionPointOutlineColor: '#ff7f00',
          selectionPointWidth: 5,
          selectionPointOutlineWidth: 2,
          midPointColor: '#ff7f00',
          midPointWidth: 3,
        },
      }),
      // The idle mode: shapes shown, the map's own clicks (inspect, pick) left alone.
      new TerraDrawRenderMode({ modeName: 'none', styles: {} }),
    ],
  })
  draw.start()
  let tool: DrawTool = 'none'
  draw.setMode('none')
  let selected: string | number | null = null

  const state = (): DrawState => {
    const snapshot = draw.getSnapshot()
    let geometry: ZoneGeometry | null = null
    try {
      geometry = composeZone(snapshot as never)
    } catch {
      // A shape mid-drawing can cross itself; keep the last good figure's place empty for a moment.
      geometry = null
    }
    return {
      geometry,
      areaM2: geometry ? turfArea(geometry) : 0,
      drawing: draw.getModeState() === 'drawing',
      shapes: snapshot.filter((f) => f.geometry.type === 'Polygon').length,
      selected: selected !== null,
    }
  }
  // Provisional changes come with every mouse move; one report per frame is plenty.
  let frame = 0
  const report = () => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      opts.onChange(state())
    })
  }
  draw.on('change', report)
  draw.on('finish', report)
  draw.on('select', (id) => {
    selected = id
    report()
  })
  draw.on('deselect', () => {
    selected = null
    report()
  })

  const applySnapping = () => {
    const snap = snappingFor()
    draw.updateModeOptions<typeof TerraDrawPolygonMode>('polygon', { snapping: snap })
    draw.updateModeOptions<typeof TerraDrawPolygonMode>('hole', { snapping: snap })
  }

  return {
    setTool(next) {
      tool = next
      draw.setMode(next)
      report()
    },
    tool: () => tool,
    setSnapping(on) {
      snapping = on
      applySnapping()
    },
    load(geometry) {
      draw.clear()
      selected = null
      if (geometry) {
        const results = draw.addFeatures(toShapes(geometry))
        const bad = results.filter((r) => !r.valid)
        if (bad.length) console.warn('[draw] shapes not loaded:', bad.map((r) => r.reason))
      }
      report()
    },
    state,
    deleteShape() {
      const ids = draw.getSnapshot().map((f) => f.id!)
      const target = selected ?? ids.at(-1)
      if (target === undefined) return
      if (selected !== null) draw.deselectFeature(selected)
      selected = null
      draw.removeFeatures([target])
      report()
    },
    clear() {
      draw.clear()
      selected = null
      report()
    },
    destroy() {
      if (frame) cancelAnimationFrame(frame)
      try {
        draw.stop()
      } catch {
        // the map went first
      }
    },
  }
}
