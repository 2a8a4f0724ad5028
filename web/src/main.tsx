import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App, isPublicPath } from './App.tsx'
import { I18nProvider } from './i18n/i18n.tsx'
import { registerServiceWorker } from './offline/register.ts'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('#root missing from index.html')
createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
)
// public visitors do not download the offline field app
if (!isPublicPath(window.location.pathname)) registerServiceWorker()
