// The box the 3D buildings ask grades for (GET /api/buildings/grades): the view, snapped outward to
// a grid so small pans reuse the last answer, and cut around the centre to what the server takes.
export type Grade = 'A' | 'B' | 'C' | 'D'

/** The server refuses a box over this (square degrees); kept a little under it. */
const MAX_BOX_DEG2 = 0.09
const SNAP_DEG = 0.005

/** `west,south,east,north` for the query. */
export function gradesBox([w, s, e, n]: readonly [number, number, number, number], [cx, cy]: readonly [number, number]): string {
  // A tilted view reaches far towards the horizon: keep the part nearest the centre.
  const half = Math.sqrt(MAX_BOX_DEG2) / 2 - SNAP_DEG
  const west = Math.max(w, cx - half)
  const east = Math.min(e, cx + half)
  const south = Math.max(s, cy - half)
  const north = Math.min(n, cy + half)
  const down = (v: number) => (Math.floor(v / SNAP_DEG) * SNAP_DEG).toFixed(3)
  const up = (v: number) => (Math.ceil(v / SNAP_DEG) * SNAP_DEG).toFixed(3)
  return [down(west), down(south), up(east), up(north)].join(',')
}
