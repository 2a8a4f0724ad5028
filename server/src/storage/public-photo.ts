// A photo sent by the public, made safe to keep: decoded and re-encoded as JPEG by libvips (sharp),
// so nothing but pixels survives: no EXIF (GPS position, time, camera serial), XMP, IPTC or
// comments, and no payload hidden after the image data. A file that does not decode as a JPEG, PNG
// or WebP photo is refused; a very large photo is scaled down to what a reader needs.
import sharp from 'sharp'
import { Refusal } from '../domain/errors.ts'

export const MAX_PUBLIC_PHOTO_BYTES = 10 * 1024 * 1024
/** Longest side kept: enough to see a structure, far less than a phone's 12–50 MP. */
const MAX_SIDE = 2048
/** Refuse decompression bombs (a tiny file that claims a gigapixel image). */
const MAX_INPUT_PIXELS = 60_000_000
const FORMATS = new Set(['jpeg', 'png', 'webp'])

export interface CleanPhoto {
  bytes: Buffer
  width: number
  height: number
}

export class NotAPhoto extends Refusal {
  constructor(name: string, why: string) {
    super('invalid', `${name} is not a JPEG, PNG or WebP photo (${why})`, { code: 'not_a_photo', zh: `${name} 不是可识别的照片（仅接受 JPEG、PNG、WebP）`, field: 'photo' })
  }
}

/** The photo re-encoded without metadata, turned upright first (EXIF orientation is applied, then dropped). */
export async function cleanPublicPhoto(input: Buffer, name: string): Promise<CleanPhoto> {
  if (input.length === 0) throw new NotAPhoto(name, 'empty file')
  let format: string | undefined
  try {
    format = (await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format
  } catch (err) {
    throw new NotAPhoto(name, (err as Error).message.slice(0, 100))
  }
  if (!format || !FORMATS.has(format)) throw new NotAPhoto(name, `format ${format ?? 'unknown'}`)
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82, mozjpeg: true })
      .toBuffer({ resolveWithObject: true })
    return { bytes: data, width: info.width, height: info.height }
  } catch (err) {
    throw new NotAPhoto(name, (err as Error).message.slice(0, 100))
  }
}
