// What the service worker keeps for offline use, shared with the page that fills the caches.
// Two caches: the tiles and imagery of downloaded areas (filled only by "download this area",
// read when the network fails), and the records a field user needs (answers to a short list of
// GETs, refreshed whenever they are fetched online).

export const AREA_CACHE = 'chaiwei-area-v1'
export const RECORDS_CACHE = 'chaiwei-records-v1'

/** Vector tiles of any collection, and the sample imagery. */
export function isAreaResource(path: string): boolean {
  return /^\/ogc\/collections\/[^/]+\/tiles\/WebMercatorQuad\/\d+\/\d+\/\d+$/.test(path) || /^\/api\/imagery\/sample\//.test(path)
}

/** The reads the field screens make, answered from the last copy when offline. */
const RECORD_PATHS = [
  /^\/api\/auth\/me$/,
  /^\/api\/meta$/,
  /^\/api\/my\/tasks$/,
  /^\/api\/teams$/,
  /^\/api\/cases\/\d+$/,
  /^\/api\/cases\/\d+\/attachments$/,
  /^\/api\/detections\/\d+$/,
  /^\/api\/detections\/\d+\/attachments$/,
  /^\/api\/detection-batches\/\d+$/,
  // 自建房排查: the houses without a file, so a house can be picked (and surveyed) offline
  /^\/api\/surveys\/worklist$/,
  /^\/ogc\/collections$/,
  /^\/ogc\/collections\/[^/]+\/queryables$/,
  /^\/ogc\/collections\/[^/]+\/items\/[^/]+$/,
]

export function isRecordRead(path: string): boolean {
  return RECORD_PATHS.some((re) => re.test(path))
}

/** Reads whose query string only tunes the answer (where I stand), matched without it offline. */
export function ignoresSearchOffline(path: string): boolean {
  return path === '/api/my/tasks' || path === '/api/surveys/worklist'
}
