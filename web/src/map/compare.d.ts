// @maplibre/maplibre-gl-compare ships no types: the part of its API the app uses.
declare module '@maplibre/maplibre-gl-compare' {
  import type { Map } from 'maplibre-gl'
  export default class Compare {
    constructor(a: Map, b: Map, container: string | HTMLElement, options?: { orientation?: 'vertical' | 'horizontal'; mousemove?: boolean })
    setSlider(x: number): void
    on(type: 'slideend', fn: (e: { currentPosition: number }) => void): this
    remove(): void
  }
}
