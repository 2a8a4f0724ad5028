// What the two import wizards (patches: ImportWizard, reference layers: LayerImportWizard) share
// around an import the server holds: polling it while it works in the background, and the preview
// map of its staged features; before that, uploading the file with its progress.
import { useEffect, useRef, useState } from 'react'
import { createPreviewMap, type PreviewMapView } from '../map/imagery.ts'

/** While `pending(current)`, fetch it again after `ms` (each answer re-arms the timer) until it settles; a failed fetch goes to `fail`. */
export function usePollWhile<T>(current: T | null, pending: (v: T) => boolean, refetch: (v: T) => Promise<T>, set: (v: T) => void, fail: (e: unknown) => void, ms: number): void {
  useEffect(() => {
    if (current === null || !pending(current)) return
    const timer = setTimeout(() => {
      refetch(current).then(set).catch(fail)
    }, ms)
    return () => clearTimeout(timer)
  }, [current])
}

interface PreviewedImport {
  id: string
  state: string
  bounds: [number, number, number, number] | null
}

/** The preview map of a staged import, in the box the returned ref is put on: it follows the staged
 *  features (re-fetched after each re-check), says how many it drew (data-features), and goes when
 *  the import leaves staged (its box goes with it) or the wizard closes. */
export function useImportPreview(imp: PreviewedImport | null, adminTiles: string | null, features: (id: string, signal: AbortSignal) => Promise<GeoJSON.FeatureCollection>) {
  const mapBox = useRef<HTMLDivElement>(null)
  const preview = useRef<PreviewMapView | null>(null)

  useEffect(() => {
    if (!mapBox.current || imp?.state !== 'staged') return
    preview.current ??= createPreviewMap(mapBox.current, adminTiles)
    const ctl = new AbortController()
    features(imp.id, ctl.signal)
      .then((fc) => {
        preview.current?.setData(fc, imp.bounds)
        if (mapBox.current) mapBox.current.dataset.features = String(fc.features.length)
      })
      .catch(() => preview.current?.setData(null, imp.bounds))
    return () => ctl.abort()
  }, [imp, adminTiles])
  useEffect(
    () => () => {
      preview.current?.destroy()
      preview.current = null
    },
    [],
  )
  useEffect(() => {
    if (imp && imp.state !== 'staged' && preview.current) {
      preview.current.destroy()
      preview.current = null
    }
  }, [imp])

  return mapBox
}

/** The file's upload: `upload` is its progress (0 to 1) while it runs, else null; `send` runs
 *  `start` (given the progress callback) through the wizard's `run` (busy, errors). */
export function useUpload(run: (action: () => Promise<void>) => Promise<void>) {
  const [upload, setUpload] = useState<number | null>(null)
  const send = async (start: (onProgress: (f: number) => void) => Promise<void>) => {
    setUpload(0)
    await run(() => start(setUpload))
    setUpload(null)
  }
  return { upload, send }
}

/** The CRS and encoding the user gave for the file ('' = as the file says / detect), as the upload takes them. */
export const fileOptions = (crs: string, encoding: string): { crs?: string; encoding?: string } => ({ ...(crs ? { crs } : {}), ...(encoding ? { encoding } : {}) })
