// A GIS file upload as the patch and reference-layer imports take it: multipart/form-data with one
// file in the field `file`, spooled to disk as it arrives (never held in memory), and a few named
// text fields; the CRS and encoding fields checked the same way everywhere. On any error the
// spooled file is removed and the answer is a 4xx problem naming the field.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { FastifyRequest } from 'fastify'
import { parseCrs, SUPPORTED_CRS_TEXT } from '../imports/formats/crs.ts'
import { encodingLabel } from '../imports/formats/reader.ts'
import { badRequest, HttpProblem } from './problem.ts'

export interface SpooledUpload {
  /** the client's file name without folders or control characters */
  fileName: string
  /** where the bytes are: `upload` in a fresh folder of its own */
  filePath: string
  bytes: number
  /** the text fields sent, trimmed */
  fields: Record<string, string>
}

function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').replace(/^.*[\\/]/, '').replace(/\p{Cc}/gu, '').trim()
  return base.slice(0, 200) || 'upload'
}

const tooLarge = (maxBytes: number) =>
  new HttpProblem(413, 'Content Too Large', `the file is larger than ${maxBytes} bytes (CHAIWEI_IMPORT_MAX_BYTES)`, {
    code: 'file_too_large', field: 'file', detailZh: `文件超过上限 ${Math.round(maxBytes / 1024 / 1024)} MB`,
  })

/** Spools the request's file into a new folder under `spool`; `fields` are the text fields allowed besides it. */
export async function spoolUpload(request: FastifyRequest, spool: string, opts: { maxBytes: number; fields: readonly string[] }): Promise<SpooledUpload> {
  const allowed = `file${opts.fields.length ? `, and optionally ${opts.fields.join(', ')}` : ''}`
  if (!request.isMultipart()) throw badRequest(`send multipart/form-data: ${allowed}`, { field: 'file', detailZh: '请以 multipart/form-data 上传文件（字段名 file）' })
  const dir = mkdtempSync(join(spool, 'upload-'))
  const filePath = join(dir, 'upload')
  const fields: Record<string, string> = {}
  let fileName: string | undefined
  let bytes = 0
  try {
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || fileName !== undefined) {
            part.file.resume()
            throw badRequest(`send one file, in the field named file (got ${part.fieldname})`, { field: 'file', detailZh: '请只上传一个文件，字段名为 file' })
          }
          fileName = cleanFileName(part.filename)
          await pipeline(part.file, createWriteStream(filePath, { flags: 'wx' }))
          if (part.file.truncated) throw tooLarge(opts.maxBytes)
          bytes = part.file.bytesRead
        } else if (opts.fields.includes(part.fieldname)) {
          fields[part.fieldname] = String(part.value).trim()
        } else {
          throw badRequest(`unknown form field ${part.fieldname}; send ${allowed}`, { field: part.fieldname, detailZh: `未知的表单字段 ${part.fieldname}` })
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(opts.maxBytes)
      if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
        throw badRequest(`send one file, in the field named file, and optionally ${opts.fields.join(', ')}`, { field: 'file', detailZh: '请只上传一个文件' })
      }
      throw err
    }
    if (fileName === undefined) throw badRequest('no file: send it in a form field named file', { field: 'file', detailZh: '没有文件：请在 file 字段上传' })
    return { fileName, filePath, bytes, fields }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/** A CRS the user names (form field or PATCH body): its code, null for empty, 400 for one the importer does not place. */
export function crsParam(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null
  const parsed = parseCrs(value)
  if (!parsed) throw badRequest(`crs ${value} is not supported; use ${SUPPORTED_CRS_TEXT}`, { field: 'crs', code: 'crs_unsupported', detailZh: `不支持坐标系 ${value}，可用：${SUPPORTED_CRS_TEXT}` })
  return parsed.code
}

/** An encoding the user names: UTF-8 or GBK, null for empty, 400 otherwise. */
export function encodingParam(value: string | undefined): 'UTF-8' | 'GBK' | null {
  if (value === undefined || value.trim() === '') return null
  const label = encodingLabel(value)
  if (!label) throw badRequest(`encoding ${value} is not supported; use UTF-8 or GBK`, { field: 'encoding', code: 'encoding_unsupported', detailZh: `不支持编码 ${value}，请用 UTF-8 或 GBK` })
  return label
}
