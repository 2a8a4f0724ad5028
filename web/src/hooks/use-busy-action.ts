// One action at a time with its outcome: busy while it runs, the last failure as a sentence. What
// the import wizards' upload, re-check and commit handlers share (the case forms have their own,
// useCaseForm, that sorts failures into fields).
import { useState } from 'react'

/** `message` turns a failure into the sentence shown; `onFailure` sees it first (e.g. a lost session). */
export function useBusyAction(message: (e: unknown) => string, onFailure?: (e: unknown) => void) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  /** Records a failure (also for work outside `run`, e.g. a poll). */
  const fail = (e: unknown) => {
    onFailure?.(e)
    setError(message(e))
  }

  /** Runs one action: clears the last error, busy until it settles, a failure recorded (never thrown). */
  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (e) {
      fail(e)
    } finally {
      setBusy(false)
    }
  }

  return { busy, setBusy, error, fail, run }
}
