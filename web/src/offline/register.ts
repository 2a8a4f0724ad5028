// Registers the service worker (src/sw.ts) in production builds; a new version takes over on the
// next start rather than under the user's hands mid-form.
import { registerSW } from 'virtual:pwa-register'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  registerSW({ immediate: true })
}
