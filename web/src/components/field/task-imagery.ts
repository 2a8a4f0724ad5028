// A patch task's before/after imagery (its batch's), for the phone map and the offline area.
import type { Task } from '../../field-api.ts'
import type { RasterLayer } from '../../map/basemaps.ts'
import { getBatch, getPatch, type BatchImagery } from '../../patches-api.ts'

export async function taskImagery(task: Task, signal?: AbortSignal): Promise<{ batchId: number; imagery: BatchImagery } | null> {
  if (task.target.kind !== 'detection') return null
  const patch = await getPatch(task.target.id, signal)
  const batch = await getBatch(patch.data.batchId, signal)
  return { batchId: batch.id, imagery: batch.imagery }
}

/** The after image as the map's raster layer, when it is an XYZ template. */
export function afterImageryLayer(imagery: BatchImagery): RasterLayer[] {
  const after = imagery.after
  if (!after || after.type !== 'xyz') return []
  return [{ id: 'task-imagery', tiles: [after.url], tileSize: 256, minzoom: 12, maxzoom: 19, scheme: 'xyz', attribution: after.attribution ?? '' }]
}
