// Uploads that arrive in pieces and survive interruption (a phone losing its connection mid-photo):
// a file of the bytes received so far and a small JSON of what is expected, per user. A piece is
// appended only at the offset the file has reached, so a piece sent twice is refused, never doubled.
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Refusal } from '../domain/errors.ts'

export interface PartialUpload {
  id: string
  bytes: number
  offset: number
  fileName: string
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Pieces not finished in this long are removed (an abandoned photo). */
const KEEP_MS = 7 * 24 * 3600 * 1000

export class OffsetMismatch extends Refusal {
  constructor(readonly offset: number) {
    super('conflict', `the upload is at byte ${offset}; send from there`, { code: 'upload_offset', zh: `上传已到第 ${offset} 字节，请从此处继续`, extra: { offset } })
  }
}

export class PartialUploads {
  constructor(private readonly root: string) {}

  private dir(userId: number): string {
    const d = resolve(this.root, 'partial', String(userId))
    mkdirSync(d, { recursive: true })
    return d
  }

  private paths(userId: number, id: string) {
    if (!ID.test(id)) return null
    const d = this.dir(userId)
    return { data: join(d, `${id}.part`), meta: join(d, `${id}.json`) }
  }

  async create(userId: number, bytes: number, fileName: string): Promise<PartialUpload> {
    await this.sweep(userId)
    const id = randomUUID()
    const p = this.paths(userId, id)!
    await writeFile(p.data, new Uint8Array(), { flag: 'wx' })
    await writeFile(p.meta, JSON.stringify({ bytes, fileName }), { flag: 'wx' })
    return { id, bytes, offset: 0, fileName }
  }

  /** The upload as far as it has come; null when there is none of this user's by that id. */
  async get(userId: number, id: string): Promise<PartialUpload | null> {
    const p = this.paths(userId, id)
    if (!p) return null
    try {
      const meta = JSON.parse(await readFile(p.meta, 'utf8')) as { bytes: number; fileName: string }
      return { id, bytes: meta.bytes, fileName: meta.fileName, offset: (await stat(p.data)).size }
    } catch {
      return null
    }
  }

  /** Appends a piece that starts where the upload is; returns the new offset. */
  async append(userId: number, id: string, offset: number, piece: Buffer): Promise<number | null> {
    const u = await this.get(userId, id)
    if (!u) return null
    if (offset !== u.offset) throw new OffsetMismatch(u.offset)
    if (u.offset + piece.length > u.bytes) {
      throw new Refusal('too_large', `the piece goes past the ${u.bytes} bytes announced`, { code: 'upload_overflow', zh: '上传内容超过声明的大小' })
    }
    await appendFile(this.paths(userId, id)!.data, piece)
    return u.offset + piece.length
  }

  /** The whole file once every byte has arrived. */
  async complete(userId: number, id: string): Promise<{ bytes: Buffer; fileName: string } | null> {
    const u = await this.get(userId, id)
    if (!u) return null
    if (u.offset !== u.bytes) {
      throw new Refusal('conflict', `the upload has ${u.offset} of ${u.bytes} bytes; send the rest first`, { code: 'upload_incomplete', zh: '文件尚未上传完整', extra: { offset: u.offset } })
    }
    return { bytes: await readFile(this.paths(userId, id)!.data), fileName: u.fileName }
  }

  async remove(userId: number, id: string): Promise<void> {
    const p = this.paths(userId, id)
    if (!p) return
    await rm(p.data, { force: true })
    await rm(p.meta, { force: true })
  }

  private async sweep(userId: number): Promise<void> {
    const d = this.dir(userId)
    for (const f of await readdir(d)) {
      const s = await stat(join(d, f)).catch(() => null)
      if (s && Date.now() - s.mtimeMs > KEEP_MS) await rm(join(d, f), { force: true })
    }
  }
}
