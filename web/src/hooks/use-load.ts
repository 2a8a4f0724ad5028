// One read for a view, what the reports' and the survey's views and details share: run when `load`
// (or `reloadKey`, or the language of the message) changes, the last one aborted, the result handed
// to `onLoad`, a failure kept as a sentence (a lost session told first).
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import { problemMessage } from '../onboarding-api.ts'

/** `load` should be stable (useCallback over what it reads); the error, or null once a read succeeds. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, onLoad: (value: T) => void, onSessionLost: () => void, reloadKey: number): string | null {
  const { lang } = useI18n()
  const [error, setError] = useState<string | null>(null)
  const loaded = useRef(onLoad)
  useEffect(() => {
    loaded.current = onLoad
  })
  useEffect(() => {
    const ctl = new AbortController()
    load(ctl.signal)
      .then((value) => {
        loaded.current(value)
        setError(null)
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return
        if (e instanceof ApiError && e.status === 401) onSessionLost()
        setError(problemMessage(e, lang))
      })
    return () => ctl.abort()
  }, [load, reloadKey, lang, onSessionLost])
  return error
}

/** A stable function that calls the latest `fn` the first time only (e.g. the map flown to a record once it is read). */
export function useFirstCall<A>(fn: (arg: A) => void): (arg: A) => void {
  const called = useRef(false)
  const latest = useRef(fn)
  useEffect(() => {
    latest.current = fn
  })
  return useCallback((arg: A) => {
    if (called.current) return
    called.current = true
    latest.current(arg)
  }, [])
}

/**
 * A list's reload key for useLoad, `reload` to read it again, and `changed`, what a detail calls
 * when its record changed: the list read again, and `onCasesChanged` too when cases were made or linked.
 */
export function useReloadKey(onCasesChanged: () => void) {
  const [key, setKey] = useState(0)
  const reload = useCallback(() => setKey((k) => k + 1), [])
  const changed = useCallback(
    (withCases: boolean) => {
      reload()
      if (withCases) onCasesChanged()
    },
    [reload, onCasesChanged],
  )
  return { key, reload, changed }
}
