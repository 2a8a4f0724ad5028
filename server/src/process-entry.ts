import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * Whether the module at moduleUrl is the file node was started with, rather than imported by another
 * entry (start.ts and cli.ts at the repository root import main.ts and cli.ts to pass the sample in).
 */
export function isProcessEntry(moduleUrl: string): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl
  } catch {
    return false
  }
}
