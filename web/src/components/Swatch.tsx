// A legend swatch in the shape the map draws: a filled patch, a line, a dashed or solid outline, a
// circle. Colours are passed in from theme/colors.ts.

export type SwatchKind = 'fill' | 'line' | 'dashed' | 'outline' | 'circle' | 'dot'

export function Swatch({ color, kind = 'fill', size }: { color: string; kind?: SwatchKind; size?: number }) {
  const style =
    kind === 'line'
      ? { background: color }
      : kind === 'dashed'
        ? { borderColor: color, background: `${color}22` }
        : kind === 'outline'
          ? { borderColor: color, background: `${color}33` }
          : kind === 'circle'
            ? { background: color, ...(size ? { width: size, height: size } : {}) }
            : { background: color }
  return <span className={`swatch swatch-${kind}`} style={style} aria-hidden="true" />
}
