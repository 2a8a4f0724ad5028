// The public pages (举报, 查询, 公示), for anyone, no account: routed by location.pathname. The
// server answers every non-API page with index.html, so /public/... links and reloads land here.
import { useEffect, useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'
import type { MessageKey } from '../../i18n/messages.ts'
import { LanguageSwitch } from '../LanguageSwitch.tsx'
import { DisclosurePage } from './DisclosurePage.tsx'
import { DisclosurePrint } from './DisclosurePrint.tsx'
import { linkClick, onNavigate } from './nav.ts'
import { ReceiptPage } from './ReceiptPage.tsx'
import { ReportPage } from './ReportPage.tsx'
import './public.css'

type Route = 'report' | 'receipt' | 'disclosure' | 'print'

function routeOf(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '')
  if (p === '/public/receipt') return 'receipt'
  if (p === '/public/disclosure/print') return 'print'
  if (p === '/public/disclosure') return 'disclosure'
  return 'report'
}

const LINKS: readonly { route: Route; href: string; label: MessageKey }[] = [
  { route: 'report', href: '/public/report', label: 'public.nav.report' },
  { route: 'receipt', href: '/public/receipt', label: 'public.nav.receipt' },
  { route: 'disclosure', href: '/public/disclosure', label: 'public.nav.disclosure' },
]

const TITLES: Readonly<Record<Route, MessageKey>> = {
  report: 'public.report.title',
  receipt: 'public.receipt.title',
  disclosure: 'public.disclosure.title',
  print: 'public.print.title',
}

function PublicHeader({ route }: { route: Route }) {
  const { t } = useI18n()
  return (
    <header className="public-header">
      <a className="public-brand" href="/public/report" onClick={linkClick}>
        {t('public.title')}
      </a>
      <nav className="public-nav" aria-label={t('public.nav.label')}>
        {LINKS.map((l) => (
          <a key={l.route} href={l.href} onClick={linkClick} aria-current={l.route === route ? 'page' : undefined} data-testid={`public-nav-${l.route}`}>
            {t(l.label)}
          </a>
        ))}
      </nav>
      <LanguageSwitch />
    </header>
  )
}

export default function PublicApp() {
  const { t, lang } = useI18n()
  const [path, setPath] = useState(() => window.location.pathname)
  const [search, setSearch] = useState(() => window.location.search)
  useEffect(
    () =>
      onNavigate(() => {
        setPath(window.location.pathname)
        setSearch(window.location.search)
      }),
    [],
  )
  const route = routeOf(path)

  // the page's own title (after the i18n provider has set the app's, which runs later on mount)
  useEffect(() => {
    const id = setTimeout(() => {
      document.title = `${t(TITLES[route])} - ${t('public.title')}`
    }, 0)
    return () => clearTimeout(id)
  }, [route, lang, t])

  const params = new URLSearchParams(search)
  if (route === 'print') return <DisclosurePrint village={params.get('village') ?? ''} />
  return (
    <div className="public-app" data-testid="public-app">
      <PublicHeader route={route} />
      <main className={route === 'disclosure' ? 'public-main wide' : 'public-main'}>
        {route === 'report' && <ReportPage />}
        {route === 'receipt' && <ReceiptPage initialCode={params.get('code') ?? ''} />}
        {route === 'disclosure' && <DisclosurePage />}
      </main>
      <footer className="public-footer">{t('public.footer')}</footer>
    </div>
  )
}
