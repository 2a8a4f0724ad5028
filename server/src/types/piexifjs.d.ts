// piexifjs ships no types; the part the tests call.
declare module 'piexifjs' {
  const piexif: {
    ImageIFD: Record<string, number>
    ExifIFD: Record<string, number>
    GPSIFD: Record<string, number>
    dump(exif: Record<string, Record<number, unknown>>): string
    insert(exifBytes: string, jpegBinary: string): string
  }
  export default piexif
}
