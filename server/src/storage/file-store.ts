// Attachment bytes on disk. A file is written to a temporary name, flushed and renamed into
// place before its database row is committed, so an acknowledged upload survives a crash; a crash
// between the two leaves an orphan file, never a row without its file.
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

export class FileStore {
  constructor(private readonly root: string) {}

  /** A new key: year folder plus a random name; never derived from user input. */
  newKey(now = new Date()): string {
    return `${now.getUTCFullYear()}/${randomUUID()}`
  }

  private path(key: string): string {
    if (!/^\d{4}\/[0-9a-f-]{36}$/.test(key)) throw new Error(`not a storage key: ${key}`)
    const p = resolve(this.root, key)
    if (!p.startsWith(resolve(this.root))) throw new Error('storage key escapes the store')
    return p
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.path(key)
    mkdirSync(dirname(target), { recursive: true })
    const tmp = join(dirname(target), `.${randomUUID()}.tmp`)
    const fh = await open(tmp, 'wx')
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.path(key))
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }
}
