// Admin units (district / town / village) matching what the user types, from /api/search (which
// answers within the user's scope): looked up 200 ms after the last keystroke, the stale request
// cancelled. null while there is nothing to look up.
import { useEffect, useState } from 'react'
import { search, type SearchHit, type SearchKind } from '../api.ts'

export type AdminKind = Extract<SearchKind, 'district' | 'town' | 'village'>

export function useAdminUnitSearch(query: string, kinds: readonly AdminKind[], limit = 10): SearchHit[] | null {
  const [hits, setHits] = useState<SearchHit[] | null>(null)
  const kindKey = kinds.join(',')
  useEffect(() => {
    const q = query.trim()
    if (!q) {
      setHits(null)
      return
    }
    const wanted = new Set(kindKey.split(','))
    const ctl = new AbortController()
    const timer = setTimeout(() => {
      search(q, limit, ctl.signal)
        .then((r) => setHits(r.filter((h) => wanted.has(h.kind))))
        .catch(() => !ctl.signal.aborted && setHits([]))
    }, 200)
    return () => {
      clearTimeout(timer)
      ctl.abort()
    }
  }, [query, kindKey, limit])
  return hits
}
