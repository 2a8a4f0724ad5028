// Up to N photos from the camera or the gallery, with thumbnails and a remove button each. Only
// JPEG, PNG and WebP up to the size limit are taken; the rest are named and left out.
import { useEffect, useMemo, useState } from 'react'
import { useI18n } from '../../i18n/i18n.tsx'

const TYPES = ['image/jpeg', 'image/png', 'image/webp']

export function PhotoPicker({ photos, onChange, max, maxBytes, testId }: { photos: readonly File[]; onChange(photos: File[]): void; max: number; maxBytes: number; testId: string }) {
  const { t } = useI18n()
  const [problem, setProblem] = useState<string | null>(null)
  const urls = useMemo(() => photos.map((p) => URL.createObjectURL(p)), [photos])
  useEffect(() => () => urls.forEach((u) => URL.revokeObjectURL(u)), [urls])
  const mb = Math.round(maxBytes / 1024 / 1024)

  const add = (list: FileList | null) => {
    if (!list) return
    const next = [...photos]
    const refused: string[] = []
    for (const f of Array.from(list)) {
      if (next.length >= max) {
        refused.push(t('public.photos.tooMany', { max }))
        break
      }
      if (!TYPES.includes(f.type)) refused.push(t('public.photos.badType', { name: f.name }))
      else if (f.size > maxBytes) refused.push(t('public.photos.tooBig', { name: f.name, mb }))
      else next.push(f)
    }
    setProblem(refused.length ? refused.join(' ') : null)
    onChange(next)
  }

  return (
    <div className="public-photos" data-testid={testId}>
      {photos.length > 0 && (
        <ul className="public-thumbs">
          {photos.map((p, i) => (
            <li key={`${p.name}-${i}`}>
              <img src={urls[i]} alt={t('public.photos.alt', { n: i + 1 })} />
              <button type="button" className="public-thumb-remove" onClick={() => onChange(photos.filter((_, j) => j !== i))} aria-label={t('public.photos.remove', { n: i + 1 })}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {photos.length < max && (
        <label className="public-photo-button">
          {t('public.photos.add', { n: photos.length, max })}
          <input
            type="file"
            accept="image/*"
            capture="environment"
            multiple
            onChange={(e) => {
              add(e.currentTarget.files)
              e.currentTarget.value = ''
            }}
            data-testid={`${testId}-input`}
          />
        </label>
      )}
      <p className="public-hint">{t('public.photos.hint', { max, mb })}</p>
      {problem && (
        <p className="public-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  )
}
