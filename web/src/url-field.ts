// The field user's phone app lives at `#view=tasks`; a field user who opens the app with no view
// named lands there (the installed app starts there too: manifest start_url).
export const FIELD_VIEW = 'tasks'

export function isFieldScreen(hash: string, role: string): boolean {
  const view = new URLSearchParams(hash.replace(/^#/, '')).get('view')
  return view === FIELD_VIEW || (view === null && role === 'field')
}

/** Switches to the desktop map screen; returns the new hash. */
export function leaveFieldScreen(): string {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''))
  params.set('view', 'map')
  window.location.hash = params.toString()
  return window.location.hash
}
