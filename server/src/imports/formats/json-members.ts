// A GeoJSON FeatureCollection read in one pass over its bytes: the top-level members other than
// `features` are parsed whole (they are small: type, name, crs), each element of `features` is cut
// out as its own text and given to JSON.parse. Only the structure between values is scanned here
// (strings, nesting, commas, colons); every value itself is checked by JSON.parse. Memory: the read
// buffer and the one element being cut out.
import { createReadStream } from 'node:fs'

export class JsonSyntaxError extends Error {}

const enum C {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

export interface CollectionScan {
  /** each top-level member but `features`, parsed */
  member(key: string, value: unknown): void
  /** false: the elements of `features` are skipped, not parsed (nor yielded) */
  elements: boolean
  /** told when `features` is an array (its elements are then yielded, not given to `member`) */
  featuresArray?(): void
  onBytes?(bytesRead: number): void
}

const NONE = Symbol('none')

type Where =
  | 'start' // before the top-level '{'
  | 'key' // in the top object, before a key (or '}')
  | 'colon' // after a key
  | 'value' // before a top-level member's value
  | 'after' // after a top-level member's value: ',' or '}'
  | 'elements' // in `features`, before an element (or ']')
  | 'between' // in `features`, after an element: ',' or ']'
  | 'end' // after the top-level '}'

/**
 * Scans the file and yields each element of `features`, parsed; throws JsonSyntaxError (or
 * JSON.parse's SyntaxError) for what is not a JSON object.
 */
export async function* scanFeatureCollection(path: string, scan: CollectionScan): AsyncGenerator<unknown> {
  let where: Where = 'start'
  let key = ''
  let featuresSeen = false
  // the value being cut out: its pieces so far, nesting depth, whether inside a string
  let pieces: Buffer[] = []
  let capturing = false
  let depth = 0
  let inString = false
  let escaped = false
  let scalar = false // a value that is not an object/array/string (number, true, null …)
  let target: 'key' | 'member' | 'element' = 'member'

  let element: unknown = NONE
  const finish = (buf: Buffer, end: number, start: number) => {
    pieces.push(buf.subarray(start, end))
    capturing = false
    if (target === 'element' && !scan.elements) {
      pieces = []
      where = 'between'
      return
    }
    const text = pieces.length === 1 ? pieces[0]!.toString('utf8') : Buffer.concat(pieces).toString('utf8')
    pieces = []
    if (target === 'key') {
      key = JSON.parse(text) as string
      where = 'colon'
    } else if (target === 'member') {
      scan.member(key, JSON.parse(text))
      where = 'after'
    } else {
      element = JSON.parse(text)
      where = 'between'
    }
  }

  const input = createReadStream(path, { highWaterMark: 1 << 20 })
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const buf = chunk
    let i = 0
    let start = 0 // where the current capture began in this chunk
    const n = buf.length
    // starts cutting out a value at i, whose first byte is c (made once per chunk, not per value:
    // tsx keeps function names, and a closure made in the loop cost a defineProperty per value)
    const begin = (t: 'key' | 'member' | 'element', c: number) => {
      target = t
      capturing = true
      start = i
      pieces = []
      if (c === C.Quote) {
        inString = true
        depth = 0
        i++
      } else if (c === C.OpenBrace || c === C.OpenBracket) {
        depth = 1
        i++
      } else {
        scalar = true
        depth = 0
      }
    }
    while (i < n) {
      if (capturing) {
        if (inString) {
          // jump to the next quote or backslash
          let j = i
          while (j < n) {
            const c = buf[j]!
            if (escaped) {
              escaped = false
            } else if (c === C.Backslash) {
              escaped = true
            } else if (c === C.Quote) break
            j++
          }
          if (j >= n) {
            i = n
            break
          }
          inString = false
          i = j + 1
          if (depth === 0 && !scalar) {
            finish(buf, i, start) // a string value (or key) ends here
            start = i
            if (element !== NONE) {
              yield element
              element = NONE
            }
          }
          continue
        }
        const c = buf[i]!
        if (scalar) {
          if (c === C.Comma || c === C.CloseBrace || c === C.CloseBracket || isSpace(c)) {
            finish(buf, i, start)
            scalar = false
            if (element !== NONE) {
              yield element
              element = NONE
            }
            continue // the delimiter is read by the structure below
          }
          i++
          continue
        }
        if (c === C.Quote) inString = true
        else if (c === C.OpenBrace || c === C.OpenBracket) depth++
        else if (c === C.CloseBrace || c === C.CloseBracket) {
          depth--
          if (depth === 0) {
            i++
            finish(buf, i, start)
            start = i
            if (element !== NONE) {
              yield element
              element = NONE
            }
            continue
          }
        }
        i++
        continue
      }
      const c = buf[i]!
      if (isSpace(c) || (where === 'start' && i === 0 && c === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)) {
        i += isSpace(c) ? 1 : 3
        continue
      }
      switch (where as Where) {
        case 'start':
          if (c !== C.OpenBrace) throw new JsonSyntaxError('the file does not start with a JSON object')
          where = 'key'
          i++
          break
        case 'key':
          if (c === C.CloseBrace) {
            where = 'end'
            i++
          } else if (c === C.Quote) begin('key', c)
          else throw new JsonSyntaxError(`unexpected character '${String.fromCharCode(c)}' where a member name was expected`)
          break
        case 'colon':
          if (c !== C.Colon) throw new JsonSyntaxError(`':' expected after "${key}"`)
          where = 'value'
          i++
          break
        case 'value':
          if (key === 'features' && !featuresSeen && c === C.OpenBracket) {
            featuresSeen = true
            scan.featuresArray?.()
            where = 'elements'
            i++
          } else begin('member', c)
          break
        case 'after':
          if (c === C.Comma) where = 'key'
          else if (c === C.CloseBrace) where = 'end'
          else throw new JsonSyntaxError(`unexpected character '${String.fromCharCode(c)}' after the value of "${key}"`)
          i++
          break
        case 'elements':
          if (c === C.CloseBracket) {
            where = 'after'
            i++
          } else begin('element', c)
          break
        case 'between':
          if (c === C.Comma) where = 'elements'
          else if (c === C.CloseBracket) where = 'after'
          else throw new JsonSyntaxError(`unexpected character '${String.fromCharCode(c)}' between features`)
          i++
          break
        case 'end':
          throw new JsonSyntaxError('unexpected text after the end of the JSON object')
      }
    }
    if (capturing) {
      pieces.push(Buffer.from(buf.subarray(start)))
      start = 0
    }
    scan.onBytes?.(input.bytesRead)
  }
  if (capturing && scalar) throw new JsonSyntaxError('unexpected end of the file')
  if (where !== 'end') throw new JsonSyntaxError('unexpected end of the file')
}
