// Moving between the public pages without reloading: history.pushState and an event PublicApp
// listens to (with popstate for the back button).
const EVENT = 'chaiwei:public-nav'

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  window.dispatchEvent(new Event(EVENT))
  if (!replace) window.scrollTo(0, 0)
}

export function onNavigate(fn: () => void): () => void {
  window.addEventListener(EVENT, fn)
  window.addEventListener('popstate', fn)
  return () => {
    window.removeEventListener(EVENT, fn)
    window.removeEventListener('popstate', fn)
  }
}

/** A plain left click on an in-app link is handled here; a new-tab click goes to the browser. */
export function linkClick(e: React.MouseEvent<HTMLAnchorElement>): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = e.currentTarget
  if (a.target && a.target !== '_self') return
  e.preventDefault()
  navigate(a.getAttribute('href') ?? '/public/report')
}
