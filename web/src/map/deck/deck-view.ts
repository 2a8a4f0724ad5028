// The deck.gl views as one of the adapter's controllers (map-view.ts): loads deck.gl (its own chunk,
// ~1 MB) the first time one of its switches is on, passes the switches on, and puts deck's picking
// before the style's: a click or the pointer over a deck feature is deck's.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Meta } from '../../api.ts'
import { isShown, type CaseStats, type FeatureRef, type Visibility } from '../groups.ts'
import type { PointOverlays } from '../view/point-overlays.ts'
import type { WhenReady } from '../view/ready.ts'
import type { DeckLayers, DeckState } from './deck-layers.ts'

export interface DeckView {
  /** After the layer switches changed (and once the style is ready). */
  apply(): void
  refreshCases(): void
  /** The cases in view while the hexagons stand for the case layers; null when the style draws them. */
  caseStats(): CaseStats | null
  /** The point overlays with deck's hits and clicks after theirs. */
  over(overlays: PointOverlays): PointOverlays
  destroy(): void
}

export interface DeckViewDeps {
  meta: Meta
  visibility(): Visibility
  onFeatureClick?(ref: FeatureRef | null): void
  onError?(message: string): void
}

export function deckStateOf(v: Visibility): DeckState {
  return { hex: isShown(v, 'cases-hex'), patches: isShown(v, 'detection-results'), grades: isShown(v, 'buildings-grade') }
}

export function createDeckView(map: MapLibreMap, whenReady: WhenReady, d: DeckViewDeps): DeckView {
  let layers: DeckLayers | null = null
  let loading = false
  let destroyed = false
  const apply = () => {
    const state = deckStateOf(d.visibility())
    if (layers) return layers.update(state)
    if (loading || !(state.hex || state.patches || state.grades)) return
    loading = true
    import('./deck-layers.ts')
      .then(({ createDeckLayers }) => {
        if (destroyed) return
        layers = createDeckLayers(map, {
          meta: d.meta,
          onFeatureClick: (ref) => d.onFeatureClick?.(ref),
          ...(d.onError ? { onError: d.onError } : {}),
        })
        layers.update(deckStateOf(d.visibility()))
      })
      .catch((e: unknown) => d.onError?.(`deck.gl: ${e instanceof Error ? e.message : String(e)}`))
  }
  whenReady(apply)
  return {
    apply: () => whenReady(apply),
    refreshCases: () => layers?.refreshCases(),
    caseStats: () => layers?.caseStats() ?? null,
    over: (o) => ({
      ...o,
      hits: (p) => o.hits(p) || Boolean(layers?.hits(p)),
      handleClick: (p) => o.handleClick(p) || Boolean(layers?.handleClick(p)),
    }),
    destroy() {
      destroyed = true
      layers?.destroy()
    },
  }
}
