// Just enough PNG decoding to count the colours of a browser screenshot in Node, without a
// dependency: 8-bit RGB/RGBA, non-interlaced (what Chromium's screenshots are).
import { inflateSync } from 'node:zlib'

export interface Rgba {
  width: number
  height: number
  /** width * height * 4 bytes */
  data: Uint8Array
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function decodePng(png: Buffer): Rgba {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG')
  let width = 0
  let height = 0
  let colorType = -1
  const idat: Buffer[] = []
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off)
    const type = png.toString('latin1', off + 4, off + 8)
    const body = png.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      const depth = body[8]
      colorType = body[9] ?? -1
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || body[12] !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${body[12]}`)
      }
    } else if (type === 'IDAT') {
      idat.push(body)
    } else if (type === 'IEND') {
      break
    }
    off += 12 + len
  }
  const bpp = colorType === 6 ? 4 : 3
  const stride = width * bpp
  const raw = inflateSync(Buffer.concat(idat))
  const pixels = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const out = y * stride
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? pixels[out + x - bpp]! : 0
      const b = y > 0 ? pixels[out - stride + x]! : 0
      const c = x >= bpp && y > 0 ? pixels[out - stride + x - bpp]! : 0
      let v = line[x]!
      switch (filter) {
        case 0:
          break
        case 1:
          v += a
          break
        case 2:
          v += b
          break
        case 3:
          v += (a + b) >> 1
          break
        case 4: {
          const p = a + b - c
          const pa = Math.abs(p - a)
          const pb = Math.abs(p - b)
          const pc = Math.abs(p - c)
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
          break
        }
        default:
          throw new Error(`bad PNG filter ${filter}`)
      }
      pixels[out + x] = v & 0xff
    }
  }
  if (bpp === 4) return { width, height, data: pixels }
  const data = new Uint8Array(width * height * 4)
  for (let i = 0, j = 0; i < pixels.length; i += 3, j += 4) {
    data[j] = pixels[i]!
    data[j + 1] = pixels[i + 1]!
    data[j + 2] = pixels[i + 2]!
    data[j + 3] = 255
  }
  return { width, height, data }
}

export interface ColourStats {
  /** Distinct colours after quantising each channel to 4 bits. */
  distinct: number
  /** Share of pixels (0..1) that differ from the most common colour by more than a little. */
  offDominant: number
}

export function colourStats(img: Rgba): ColourStats {
  const counts = new Map<number, number>()
  const n = img.width * img.height
  for (let i = 0; i < n * 4; i += 4) {
    const key = ((img.data[i]! >> 4) << 8) | ((img.data[i + 1]! >> 4) << 4) | (img.data[i + 2]! >> 4)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let dominant = 0
  let best = -1
  for (const [k, c] of counts) if (c > best) [dominant, best] = [k, c]
  const [dr, dg, db] = [(dominant >> 8) * 16, ((dominant >> 4) & 15) * 16, (dominant & 15) * 16]
  let off = 0
  for (let i = 0; i < n * 4; i += 4) {
    const d = Math.abs(img.data[i]! - dr) + Math.abs(img.data[i + 1]! - dg) + Math.abs(img.data[i + 2]! - db)
    if (d > 48) off++
  }
  return { distinct: counts.size, offDominant: off / n }
}
