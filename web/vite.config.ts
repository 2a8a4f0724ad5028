// Vite config for the web app. Run from the repository root:
//   npm run dev:web     dev server on :5173, proxying /api and /ogc to the API on :3000
//   npm run build:web   production build into web/dist (served by the API process)
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.CHAIWEI_API_URL ?? 'http://localhost:3000'

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
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
