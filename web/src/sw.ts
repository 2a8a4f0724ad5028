/// <reference lib="webworker" />
// The service worker of the installable app (vite-plugin-pwa, injectManifest): the app shell is
// precached, so the app opens with no network; tiles and imagery come from the network and, when
// it fails, from the downloaded areas; the field user's records are refreshed online and answered
// from their last copy offline. Writes are never handled here: the page's outbox queues them.
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { NetworkFirst } from 'workbox-strategies'
import { AREA_CACHE, ignoresSearchOffline, isAreaResource, isRecordRead, RECORDS_CACHE } from './offline/cache-rules.ts'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// The first install takes the open page at once, so it works offline without a reload; an update
// still waits until every tab of the old version is closed (no mixed versions under a form).
clientsClaim()

// Every page of the app is the app shell (client-side views live in the hash).
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/(api|ogc|docs|health)(\/|$)/] }))

registerRoute(
  ({ url, request }) => request.method === 'GET' && url.origin === self.location.origin && isAreaResource(url.pathname),
  async ({ request }) => {
    try {
      return await fetch(request)
    } catch {
      const hit = await caches.open(AREA_CACHE).then((c) => c.match(request))
      // Outside the downloaded area the map stays empty (204 = an empty tile) instead of failing.
      return hit ?? new Response(null, { status: 204, headers: { 'x-chaiwei-offline': 'not-downloaded' } })
    }
  },
)

const records = new NetworkFirst({ cacheName: RECORDS_CACHE, networkTimeoutSeconds: 6 })
registerRoute(
  ({ url, request }) => request.method === 'GET' && url.origin === self.location.origin && isRecordRead(url.pathname),
  async (options) => {
    try {
      return await records.handle(options)
    } catch (err) {
      const url = new URL(options.request.url)
      if (!ignoresSearchOffline(url.pathname)) throw err
      const hit = await caches.open(RECORDS_CACHE).then((c) => c.match(options.request, { ignoreSearch: true }))
      if (hit) return hit
      throw err
    }
  },
)

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
