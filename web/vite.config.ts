// Vite config for the web app. Run from the repository root:
//   npm run dev:web     dev server on :5173, proxying /api and /ogc to the API on :3000
//   npm run build:web   production build into web/dist (served by the API process)
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'

const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.CHAIWEI_API_URL ?? 'http://localhost:3000'

export default defineConfig({
  root,
  base: '/',
  plugins: [
    react(),
    // The installable field app (docs/field.md): src/sw.ts precaches the app shell and serves
    // downloaded areas and records offline; the page registers it (src/offline/register.ts).
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: {
        name: '拆违外业',
        short_name: '拆违外业',
        description: '外业任务、图斑核查与拆除记录，无网络也能工作',
        lang: 'zh-CN',
        start_url: '/#view=tasks',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#b02a30',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,mjs,css,html,png,svg,woff2,webmanifest}'],
        // MapLibre's chunk is ~1 MB; the app must open offline with its map.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // MapLibre is one ~1 MB module that cannot be split further; it is loaded lazily with the map
    // screen, so the login screen stays small. Warn only above that.
    chunkSizeWarningLimit: 1100,
    rolldownOptions: {
      output: {
        // MapLibre in a chunk of its own, apart from the app's map code: it changes far less often,
        // so browsers keep it cached across app releases.
        codeSplitting: { groups: [{ name: 'maplibre-gl', test: /node_modules[\\/]maplibre-gl[\\/]/ }] },
      },
    },
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/ogc': { target: api, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/ogc': { target: api, changeOrigin: false },
    },
  },
})
