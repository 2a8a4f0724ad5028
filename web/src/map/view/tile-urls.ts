// Tile URLs of the published collections: a collection's narrowing parameters (e.g. ?batch=2), and
// a cache-buster to fetch its tiles again after an edit.
import type { Map as MapLibreMap, VectorTileSource } from 'maplibre-gl'
import type { Meta } from '../../api.ts'
import type { WhenReady } from './ready.ts'

export interface TileUrls {
  /** Fetch the collection's tiles again. */
  refresh(id: string): void
  setFilter(id: string, params: Readonly<Record<string, number>> | null): void
}

export function createTileUrls(map: MapLibreMap, meta: Meta, whenReady: WhenReady): TileUrls {
  const filters = new Map<string, string>()
  const reload = (id: string, bust: boolean) =>
    whenReady(() => {
      const source = map.getSource<VectorTileSource>(id)
      const layer = meta.layers.find((l) => l.id === id)
      if (!source || !layer) return
      const base = /^[a-z][a-z0-9+.-]*:/i.test(layer.tiles) ? layer.tiles : window.location.origin + layer.tiles
      const query = [filters.get(id) ?? '', bust ? `r=${Date.now()}` : ''].filter(Boolean).join('&')
      source.setTiles([query ? `${base}${base.includes('?') ? '&' : '?'}${query}` : base])
    })
  return {
    refresh: (id) => reload(id, true),
    setFilter(id, params) {
      const query = params ? new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString() : ''
      if ((filters.get(id) ?? '') === query) return
      if (query) filters.set(id, query)
      else filters.delete(id)
      reload(id, false)
    },
  }
}
