// Which of a file's attribute names is meant for each target field: a list of header names per
// target (Chinese, 三调 abbreviations, English), compared case-insensitively, first match wins and
// each file field is used once. dBase cuts field names at 10 bytes (图斑编号 in UTF-8 arrives as
// 图斑编, 是否基本农田 in GBK as 是否基本农), so a long enough prefix of a guess counts as well.
// Shared by the patch import and the reference-layer import. Pure: no I/O.

export function guessFields<K extends string>(keys: readonly K[], guesses: Record<K, readonly string[]>, fields: string[]): Record<K, string | null> {
  const out = {} as Record<K, string | null>
  const lower = fields.map((f) => f.trim().toLowerCase())
  const used = new Set<number>()
  for (const key of keys) {
    const i = guesses[key].map((g) => lower.indexOf(g.toLowerCase())).find((x) => x >= 0 && !used.has(x))
    out[key] = i === undefined ? null : fields[i]!
    if (i !== undefined) used.add(i)
  }
  for (const key of keys) {
    if (out[key] !== null) continue
    const i = lower.findIndex((f, x) => !used.has(x) && Buffer.byteLength(f, 'utf8') >= 8 && guesses[key].some((g) => g.toLowerCase().startsWith(f)))
    if (i >= 0) {
      out[key] = fields[i]!
      used.add(i)
    }
  }
  return out
}
