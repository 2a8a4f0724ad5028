// Reading a user's zip without letting it escape or explode: yauzl reads the central directory
// (it refuses absolute and '..' paths and entries whose real size differs from the declared one);
// we cap the entry count, the declared total and the compression ratio before inflating anything,
// refuse links, and write the entries we want flat into a fresh mkdtemp folder under our own names.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { FileRefused } from './reader.ts'

export interface ZipCaps {
  entries: number
  totalBytes: number
  /** uncompressed / compressed, per entry, above which an entry counts as a bomb */
  ratio: number
}

export const ZIP_CAPS: ZipCaps = { entries: 200, totalBytes: 2 * 1024 ** 3, ratio: 200 }

export class ZipRefused extends FileRefused {
  constructor(code: 'zip_unsafe_path' | 'zip_bomb' | 'zip_too_many_entries' | 'bad_zip', zh: string, en: string) {
    super(code, zh, en)
  }
}

export interface ExtractedEntry {
  /** Name inside the archive (for messages and matching .shp with its .dbf). */
  name: string
  /** Where it was written, inside dir. */
  path: string
  size: number
}

export interface Extracted {
  dir: string
  entries: ExtractedEntry[]
  remove(): void
}

const S_IFMT = 0o170000
const S_IFLNK = 0o120000

function unsafeName(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..')
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) reject(mapZipError(err))
      else resolve(zip)
    })
  })
}

function mapZipError(err: unknown): ZipRefused {
  const message = (err as Error | null)?.message ?? 'unreadable zip'
  if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
    return new ZipRefused('zip_unsafe_path', `压缩包含有指向外部的路径（${message.replace(/^.*: /, '')}），已拒绝`, `the zip holds a path outside its folder (${message}); refused`)
  }
  if (/too many length or distance symbols|invalid|uncompressed size|compressed size/.test(message) && /size/.test(message)) {
    return new ZipRefused('zip_bomb', '压缩包内文件的实际大小与声明不符，已拒绝', `an entry's real size differs from the size it declares (${message}); refused`)
  }
  return new ZipRefused('bad_zip', '无法读取压缩包（文件损坏或不是 zip）', `the zip cannot be read: ${message}`)
}

/**
 * Checks the whole archive, then extracts the entries whose extension is wanted into a new temp folder.
 * Nothing is written before every entry passed the checks; the folder is removed on any error.
 */
export async function extractZip(path: string, wanted: (name: string) => boolean, caps: ZipCaps = ZIP_CAPS): Promise<Extracted> {
  const zip = await openZip(path)
  if (zip.entryCount > caps.entries) {
    zip.close()
    throw new ZipRefused('zip_too_many_entries', `压缩包内有 ${zip.entryCount} 个文件，超过上限 ${caps.entries}`, `the zip holds ${zip.entryCount} entries; the limit is ${caps.entries}`)
  }
  const all: yauzl.Entry[] = []
  let total = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err) => reject(mapZipError(err)))
      zip.on('end', () => resolve())
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName
        if (unsafeName(name)) return reject(new ZipRefused('zip_unsafe_path', `压缩包含有指向外部的路径（${name}），已拒绝`, `the zip holds a path outside its folder (${name}); refused`))
        if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
          return reject(new ZipRefused('zip_unsafe_path', `压缩包含有符号链接（${name}），已拒绝`, `the zip holds a symbolic link (${name}); refused`))
        }
        total += entry.uncompressedSize
        if (total > caps.totalBytes) {
          return reject(new ZipRefused('zip_bomb', `压缩包解压后超过 ${Math.round(caps.totalBytes / 1024 ** 2)} MB，已拒绝`, `the zip unpacks to more than ${Math.round(caps.totalBytes / 1024 ** 2)} MB; refused`))
        }
        if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize / Math.max(1, entry.compressedSize) > caps.ratio) {
          return reject(new ZipRefused('zip_bomb', `压缩包内 ${name} 的压缩比异常（超过 ${caps.ratio}:1），疑似压缩炸弹，已拒绝`, `${name} is compressed more than ${caps.ratio}:1, as zip bombs are; refused`))
        }
        all.push(entry)
        zip.readEntry()
      })
      zip.readEntry()
    })
  } catch (err) {
    zip.close()
    throw err
  }
  zip.close()

  const dir = mkdtempSync(join(tmpdir(), 'chaiwei-zip-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const keep = all.filter((e) => !e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/') && wanted(e.fileName))
    const entries: ExtractedEntry[] = []
    if (keep.length > 0) {
      const again = await openZip(path)
      const byName = new Map(keep.map((e, i) => [e.fileName, i]))
      await new Promise<void>((resolve, reject) => {
        again.on('error', (err) => reject(mapZipError(err)))
        again.on('end', () => resolve())
        again.on('entry', (entry: yauzl.Entry) => {
          const i = byName.get(entry.fileName)
          if (i === undefined) return again.readEntry()
          // our own flat name: the archive's names never become paths
          const target = join(dir, `${i}${extname(entry.fileName).toLowerCase().replace(/[^.a-z0-9]/g, '')}`)
          again.openReadStream(entry, (err, stream) => {
            if (err || !stream) return reject(mapZipError(err))
            pipeline(stream, createWriteStream(target, { flags: 'wx' }))
              .then(() => {
                entries.push({ name: entry.fileName, path: target, size: entry.uncompressedSize })
                again.readEntry()
              })
              .catch((e: unknown) => reject(mapZipError(e)))
          })
        })
        again.readEntry()
      })
      again.close()
    }
    return { dir, entries, remove }
  } catch (err) {
    remove()
    throw err
  }
}

/** Zip magic "PK\x03\x04" (or an empty archive's "PK\x05\x06"). */
export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)
}
