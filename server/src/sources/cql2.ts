// CQL2-text (OGC 21-065) parser for the filters the items endpoint offers: basic CQL2
// (comparisons, LIKE, BETWEEN, IN, IS NULL, AND/OR/NOT) and the basic spatial functions
// S_INTERSECTS, S_WITHIN, S_CONTAINS, S_DISJOINT with WKT or BBOX literals.
// No maintained npm parser exists; this one only builds a tree. The tree reaches SQL only
// through a layer's allow-list (features.ts), never as text.
import wkx from 'wkx'
import type { Geometry } from 'geojson'
import { InputError } from '../domain/errors.ts'

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'date'; value: string }
  | { type: 'timestamp'; value: string }

export const COMPARISONS = ['=', '<>', '<', '>', '<=', '>='] as const
export type Comparison = (typeof COMPARISONS)[number]
export const SPATIAL_FUNCTIONS = ['s_intersects', 's_within', 's_contains', 's_disjoint'] as const
export type SpatialFunction = (typeof SPATIAL_FUNCTIONS)[number]

export type Expr =
  | { op: 'and' | 'or'; args: Expr[] }
  | { op: 'not'; arg: Expr }
  | { op: 'compare'; comparison: Comparison; property: string; value: Literal }
  | { op: 'like'; property: string; pattern: string; negated: boolean }
  | { op: 'between'; property: string; low: Literal; high: Literal; negated: boolean }
  | { op: 'in'; property: string; values: Literal[]; negated: boolean }
  | { op: 'isNull'; property: string; negated: boolean }
  | { op: 'spatial'; fn: SpatialFunction; property: string; geometry: Geometry }

export class Cql2Error extends InputError {
  constructor(message: string) {
    super(`filter: ${message}`, 'filter')
  }
}

type Token =
  | { kind: 'ident'; text: string; quoted: boolean; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'end'; pos: number }

const MAX_FILTER_LENGTH = 20_000
const MAX_DEPTH = 50

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "'") {
      let text = ''
      let j = i + 1
      for (;;) {
        if (j >= input.length) throw new Cql2Error(`unterminated string starting at character ${i + 1}`)
        if (input[j] === "'") {
          if (input[j + 1] === "'") {
            text += "'"
            j += 2
            continue
          }
          break
        }
        text += input[j]
        j++
      }
      tokens.push({ kind: 'string', text, pos: i })
      i = j + 1
    } else if (c === '"') {
      const end = input.indexOf('"', i + 1)
      if (end < 0) throw new Cql2Error(`unterminated quoted property name at character ${i + 1}`)
      tokens.push({ kind: 'ident', text: input.slice(i + 1, end), quoted: true, pos: i })
      i = end + 1
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9.]/.test(input[i + 1] ?? ''))) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(input.slice(i))!
      tokens.push({ kind: 'number', value: Number(m[0]), pos: i })
      i += m[0].length
    } else if (/[A-Za-z_\u4e00-\u9fff]/.test(c)) {
      const m = /^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_.:\u4e00-\u9fff-]*/.exec(input.slice(i))!
      tokens.push({ kind: 'ident', text: m[0], quoted: false, pos: i })
      i += m[0].length
    } else {
      const two = input.slice(i, i + 2)
      if (two === '<>' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'punct', text: two, pos: i })
        i += 2
      } else if ('=<>(),'.includes(c)) {
        tokens.push({ kind: 'punct', text: c, pos: i })
        i++
      } else {
        throw new Cql2Error(`unexpected character '${c}' at character ${i + 1}`)
      }
    }
  }
  tokens.push({ kind: 'end', pos: input.length })
  return tokens
}

const GEOMETRY_KEYWORDS = ['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION']

class Parser {
  private i = 0
  private depth = 0
  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!
  }
  private next(): Token {
    return this.tokens[this.i++]!
  }
  private isWord(t: Token, word: string): boolean {
    return t.kind === 'ident' && !t.quoted && t.text.toUpperCase() === word
  }
  private acceptWord(word: string): boolean {
    if (this.isWord(this.peek(), word)) {
      this.i++
      return true
    }
    return false
  }
  private expectPunct(p: string) {
    const t = this.next()
    if (t.kind !== 'punct' || t.text !== p) throw this.error(t, `expected '${p}'`)
  }
  private error(t: Token, message: string): Cql2Error {
    const near = t.kind === 'end' ? 'at the end of the filter' : `at character ${t.pos + 1}`
    return new Cql2Error(`${message} ${near}`)
  }

  parse(): Expr {
    const e = this.or()
    const t = this.peek()
    if (t.kind !== 'end') throw this.error(t, 'unexpected text')
    return e
  }

  private or(): Expr {
    if (++this.depth > MAX_DEPTH) throw new Cql2Error(`the filter nests deeper than ${MAX_DEPTH} levels`)
    const args = [this.and()]
    while (this.acceptWord('OR')) args.push(this.and())
    this.depth--
    return args.length === 1 ? args[0]! : { op: 'or', args }
  }

  private and(): Expr {
    const args = [this.not()]
    while (this.acceptWord('AND')) args.push(this.not())
    return args.length === 1 ? args[0]! : { op: 'and', args }
  }

  private not(): Expr {
    if (this.acceptWord('NOT')) return { op: 'not', arg: this.not() }
    return this.primary()
  }

  private primary(): Expr {
    const t = this.peek()
    if (t.kind === 'punct' && t.text === '(') {
      this.next()
      const e = this.or()
      this.expectPunct(')')
      return e
    }
    if (t.kind === 'ident' && !t.quoted) {
      const fn = t.text.toLowerCase()
      if ((SPATIAL_FUNCTIONS as readonly string[]).includes(fn)) return this.spatial(fn as SpatialFunction)
    }
    return this.predicate()
  }

  private property(): string {
    const t = this.next()
    if (t.kind !== 'ident') throw this.error(t, 'expected a property name')
    return t.text
  }

  private spatial(fn: SpatialFunction): Expr {
    this.next()
    this.expectPunct('(')
    const property = this.property()
    this.expectPunct(',')
    const geometry = this.geometryLiteral()
    this.expectPunct(')')
    return { op: 'spatial', fn, property, geometry }
  }

  private geometryLiteral(): Geometry {
    const t = this.peek()
    if (this.isWord(t, 'BBOX')) {
      this.next()
      this.expectPunct('(')
      const n: number[] = []
      for (;;) {
        const v = this.next()
        if (v.kind !== 'number') throw this.error(v, 'BBOX takes 4 numbers')
        n.push(v.value)
        if (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === ',') this.next()
        else break
      }
      this.expectPunct(')')
      if (n.length !== 4) throw this.error(t, 'BBOX takes 4 numbers (minx, miny, maxx, maxy)')
      const [x1, y1, x2, y2] = n as [number, number, number, number]
      if (!(x1 < x2 && y1 < y2)) throw this.error(t, 'BBOX must have minx < maxx and miny < maxy')
      return { type: 'Polygon', coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]] }
    }
    if (t.kind === 'ident' && GEOMETRY_KEYWORDS.includes(t.text.toUpperCase())) {
      // The WKT runs from the keyword to its matching closing parenthesis; wkx parses it.
      const start = t.pos
      this.next()
      if (this.isWord(this.peek(), 'EMPTY')) throw this.error(t, 'an empty geometry cannot be compared')
      this.expectPunct('(')
      let level = 1
      let last: Token = this.peek()
      while (level > 0) {
        last = this.next()
        if (last.kind === 'end') throw this.error(last, 'unclosed geometry')
        if (last.kind === 'punct' && last.text === '(') level++
        if (last.kind === 'punct' && last.text === ')') level--
      }
      const wkt = this.input.slice(start, last.pos + 1)
      try {
        return wkx.Geometry.parse(wkt).toGeoJSON() as Geometry
      } catch (err) {
        throw this.error(t, `malformed WKT geometry (${(err as Error).message})`)
      }
    }
    throw this.error(t, 'expected a geometry: WKT such as POLYGON((…)) or BBOX(minx, miny, maxx, maxy)')
  }

  private literal(): Literal {
    const t = this.next()
    if (t.kind === 'string') return { type: 'string', value: t.text }
    if (t.kind === 'number') return { type: 'number', value: t.value }
    if (t.kind === 'ident' && !t.quoted) {
      const w = t.text.toUpperCase()
      if (w === 'TRUE' || w === 'FALSE') return { type: 'boolean', value: w === 'TRUE' }
      if (w === 'DATE' || w === 'TIMESTAMP') {
        this.expectPunct('(')
        const s = this.next()
        if (s.kind !== 'string') throw this.error(s, `${w} takes a quoted value`)
        this.expectPunct(')')
        const ok = w === 'DATE' ? /^\d{4}-\d{2}-\d{2}$/.test(s.text) : !Number.isNaN(Date.parse(s.text)) && /^\d{4}-\d{2}-\d{2}T/.test(s.text)
        if (!ok) throw this.error(s, `${w}('${s.text}') is not a valid ${w === 'DATE' ? 'date (YYYY-MM-DD)' : 'RFC 3339 timestamp'}`)
        return { type: w === 'DATE' ? 'date' : 'timestamp', value: s.text }
      }
    }
    throw this.error(t, 'expected a value (a quoted string, a number, TRUE/FALSE, DATE(…) or TIMESTAMP(…))')
  }

  private predicate(): Expr {
    const property = this.property()
    const negated = this.acceptWord('NOT')
    if (this.acceptWord('LIKE')) {
      const p = this.next()
      if (p.kind !== 'string') throw this.error(p, 'LIKE takes a quoted pattern')
      return { op: 'like', property, pattern: p.text, negated }
    }
    if (this.acceptWord('BETWEEN')) {
      const low = this.literal()
      if (!this.acceptWord('AND')) throw this.error(this.peek(), 'expected AND in BETWEEN')
      return { op: 'between', property, low, high: this.literal(), negated }
    }
    if (this.acceptWord('IN')) {
      this.expectPunct('(')
      const values = [this.literal()]
      while (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === ',') {
        this.next()
        values.push(this.literal())
      }
      this.expectPunct(')')
      return { op: 'in', property, values, negated }
    }
    if (negated) throw this.error(this.peek(), 'NOT here must be followed by LIKE, BETWEEN or IN')
    if (this.acceptWord('IS')) {
      const isNot = this.acceptWord('NOT')
      if (!this.acceptWord('NULL')) throw this.error(this.peek(), 'expected NULL')
      return { op: 'isNull', property, negated: isNot }
    }
    const t = this.next()
    if (t.kind !== 'punct' || !(COMPARISONS as readonly string[]).includes(t.text)) {
      throw this.error(t, 'expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL)')
    }
    return { op: 'compare', comparison: t.text as Comparison, property, value: this.literal() }
  }
}

export function parseCql2Text(input: string): Expr {
  if (input.length > MAX_FILTER_LENGTH) throw new Cql2Error(`the filter is longer than ${MAX_FILTER_LENGTH} characters`)
  if (input.trim() === '') throw new Cql2Error('the filter is empty')
  return new Parser(input, tokenize(input)).parse()
}
