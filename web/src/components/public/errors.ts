// An error from the public API in words a visitor can act on, in the page's language.
import { ApiError, NetworkError } from '../../api.ts'
import type { I18n } from '../../i18n/i18n.tsx'

export function errorMessage(e: unknown, { t, lang }: Pick<I18n, 't' | 'lang'>): string {
  if (e instanceof NetworkError) return t('public.error.network')
  if (e instanceof ApiError) {
    const p = e.problem as (ApiError['problem'] & { retryAfterSeconds?: number }) | null
    if (e.status === 429) return t('public.error.rateLimited', { s: p?.retryAfterSeconds ?? 60 })
    if (lang === 'zh-CN' && p?.detailZh) return p.detailZh
    if (lang !== 'zh-CN' && p?.detail) return p.detail
    if (p?.detailZh) return p.detailZh
    return t('public.error.status', { status: e.status })
  }
  return t('public.error.unknown')
}
