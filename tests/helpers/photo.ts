// A real JPEG as a phone writes it: EXIF DateTimeOriginal (no zone) and GPS position.
import jpeg from 'jpeg-js'
import piexif from 'piexifjs'

export function phonePhoto(lon: number, lat: number, taken = '2026:06:02 10:30:00', size = 16): Buffer {
  const pixels = Buffer.alloc(size * size * 4, 0x80)
  const base = jpeg.encode({ data: pixels, width: size, height: size }, 90).data
  const dms = (v: number) => {
    const d = Math.floor(v)
    const m = Math.floor((v - d) * 60)
    const s = Math.round(((v - d) * 60 - m) * 60 * 10000)
    return [[d, 1], [m, 1], [s, 10000]]
  }
  const exif = piexif.dump({
    '0th': {},
    Exif: { [piexif.ExifIFD.DateTimeOriginal!]: taken },
    GPS: {
      [piexif.GPSIFD.GPSLatitudeRef!]: 'N', [piexif.GPSIFD.GPSLatitude!]: dms(lat),
      [piexif.GPSIFD.GPSLongitudeRef!]: 'E', [piexif.GPSIFD.GPSLongitude!]: dms(lon),
    },
  })
  return Buffer.from(piexif.insert(exif, base.toString('binary')), 'binary')
}
