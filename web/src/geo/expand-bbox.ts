// A bounding box grown on every side: the maps' maxBounds (the district and some room around it).
// No MapLibre.

/** [west, south, east, north] grown by `k` times its width and height on every side, as
 *  [[west, south], [east, north]]. */
export function expandBbox(b: readonly [number, number, number, number], k: number): [[number, number], [number, number]] {
  const dx = (b[2] - b[0]) * k
  const dy = (b[3] - b[1]) * k
  return [
    [b[0] - dx, b[1] - dy],
    [b[2] + dx, b[3] + dy],
  ]
}
