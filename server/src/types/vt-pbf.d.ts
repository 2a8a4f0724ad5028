// vt-pbf ships no types; this is the part we call.
declare module 'vt-pbf' {
  import type { LegacyTile } from 'geojson-vt'
  interface Options {
    version?: number
    extent?: number
  }
  export function fromGeojsonVt(layers: Record<string, LegacyTile>, options?: Options): Uint8Array
  const vtpbf: { fromGeojsonVt: typeof fromGeojsonVt }
  export default vtpbf
}
