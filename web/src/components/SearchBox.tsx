// The search box over the map: village and town names, admin codes, case and patch numbers
// (GET /api/search). Typing lists the matches; choosing one (click, or arrows and Enter) hands it
// to the map screen, which flies there and, for a case or a patch, opens the inspector.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { ApiError, search, type SearchHit } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'

const DEBOUNCE_MS = 200
const LIMIT = 10

export function SearchBox({ onChoose, onSessionLost }: { onChoose(hit: SearchHit): void; onSessionLost(): void }) {
  const { t, label } = useI18n()
  const listId = useId()
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<SearchHit[] | null>(null)
  const [failed, setFailed] = useState(false)
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const root = useRef<HTMLDivElement>(null)
  // The text the user typed, apart from what choosing a hit writes into the box.
  const [typed, setTyped] = useState('')

  useEffect(() => {
    const q = typed.trim()
    if (!q) {
      setResults(null)
      setFailed(false)
      return
    }
    const ctrl = new AbortController()
    const timer = setTimeout(() => {
      search(q, LIMIT, ctrl.signal)
        .then((hits) => {
          if (ctrl.signal.aborted) return
          setResults(hits)
          setFailed(false)
          setActive(hits.length ? 0 : -1)
        })
        .catch((e: unknown) => {
          if (ctrl.signal.aborted) return
          if (e instanceof ApiError && e.status === 401) onSessionLost()
          setResults([])
          setFailed(true)
        })
    }, DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      ctrl.abort()
    }
  }, [typed, onSessionLost])

  // Close the list on a click elsewhere.
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [])

  const choose = (hit: SearchHit) => {
    setQuery(hit.label)
    setOpen(false)
    onChoose(hit)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const n = results?.length ?? 0
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault()
      setOpen(true)
      setActive((a) => (a + 1) % n)
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault()
      setActive((a) => (a <= 0 ? n - 1 : a - 1))
    } else if (e.key === 'Enter' && results && n) {
      e.preventDefault()
      const hit = results[active >= 0 ? active : 0]
      if (hit) choose(hit)
    } else if (e.key === 'Escape') {
      setOpen(false)
    }
  }

  const kindLabel = (hit: SearchHit) =>
    hit.kind === 'case' ? t('search.case') : hit.kind === 'detection' ? t('search.detection') : label('adminLevel', hit.kind)

  const showList = open && typed.trim() !== '' && results !== null
  return (
    <div className="search" ref={root} data-testid="search">
      <input
        type="search"
        role="combobox"
        aria-label={t('search.label')}
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && active >= 0 ? `${listId}-${active}` : undefined}
        placeholder={t('search.placeholder')}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value)
          setTyped(e.target.value)
          setOpen(true)
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
        data-testid="search-input"
      />
      {showList && (
        <ul className="search-results" role="listbox" id={listId} data-testid="search-results">
          {results.length === 0 && <li className="search-empty">{failed ? t('search.error') : t('search.none')}</li>}
          {results.map((hit, i) => (
            <li
              key={`${hit.kind}:${hit.id}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(hit)}
              data-testid="search-result"
              data-kind={hit.kind}
              data-id={hit.id}
            >
              <span className="hit-label">{hit.label}</span>
              <span className="hit-kind">{kindLabel(hit)}</span>
              <span className="hit-code">{hit.adminCode}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
