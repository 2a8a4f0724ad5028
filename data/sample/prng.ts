// A small seeded PRNG (sfc32) with the few helpers the generator needs. Never Math.random: the
// same seed must give the same rows on every run and backend.

/** cyrb53-style string hash → two 32-bit words, to derive independent streams from labels. */
function hashLabel(label: string): [number, number] {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < label.length; i++) {
    const ch = label.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return [h1 >>> 0, h2 >>> 0]
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  /** A stream for (seed, label): each module/village draws from its own, so editing one part
   *  of the generator does not reshuffle every other part. */
  constructor(seed: number, label = '') {
    const [h1, h2] = hashLabel(`${seed}:${label}`)
    this.a = h1
    this.b = h2
    this.c = (seed >>> 0) ^ 0x9e3779b9
    this.d = 1
    for (let i = 0; i < 15; i++) this.nextU32() // warm up
  }

  private nextU32(): number {
    // sfc32 (Chris Doty-Humphrey), 32-bit arithmetic only.
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Picks a key of a {key: weight} table. */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const entries = Object.entries(table) as [K, number][]
    let total = 0
    for (const [, w] of entries) total += w
    let r = this.next() * total
    for (const [k, w] of entries) {
      r -= w
      if (r < 0) return k
    }
    return entries[entries.length - 1]![0]
  }

  /** Approximately normal (sum of 4 uniforms), mean 0, sd 1: no Math.log, so cheap and tame. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }
}

/** Splits total into integer parts proportional to weights (largest remainder), summing exactly. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  if (sum <= 0) return weights.map(() => 0)
  const raw = weights.map((w) => (total * w) / sum)
  const out = raw.map(Math.floor)
  let left = total - out.reduce((s, n) => s + n, 0)
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1])
  for (let k = 0; left > 0; k++, left--) out[order[k % order.length]![1]]! += 1
  return out
}
