// Whether the window is narrow (a phone held upright): tables then show as cards.
import { useEffect, useState } from 'react'

/** The 760 px breakpoint the stylesheet's phone layout uses; true while the media query matches. */
export function useNarrow(query = '(max-width: 760px)'): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches)
  useEffect(() => {
    const mq = window.matchMedia(query)
    const on = () => setNarrow(mq.matches)
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [query])
  return narrow
}
