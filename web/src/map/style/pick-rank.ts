import { AGGREGATE_LAYER } from './names.ts'

/**
 * The style layers a click or the mouse can pick, and which wins where several are under the
 * mouse: the specific object (a case, a patch, a building) over the area around it (a zone, a
 * buffer band, a village), whatever the drawing order. A zone or a buffer band is picked by its
 * outline, or inside where nothing more specific lies.
 */
export const PICK_RANK: Readonly<Record<string, number>> = {
  'cases-point': 100,
  'cases-outline': 99,
  'cases-fill': 98,
  'detections-line': 91,
  'detections-fill': 90,
  'detections-agg': 89,
  'zones-line': 85,
  'buffer-zones-line': 84,
  'buildings-3d': 72,
  'buildings-fill': 71,
  [AGGREGATE_LAYER]: 70,
  'parcels-fill': 60,
  'roads-ring': 52,
  'roads-line': 51,
  'waters-river': 50,
  'waters-stream': 50,
  'waters-fill': 45,
  'zones-fill': 40,
  'buffer-zones-fill': 35,
  'reference-areas-fill': 30,
  'admin-fill-village': 12,
  'admin-fill-town': 11,
  'admin-fill-district': 10,
}
