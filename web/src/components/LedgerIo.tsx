// The ledger in and out of the spreadsheets staff keep: the selection the table shows as CSV,
// GeoJSON or GeoPackage, the per-village books (一村一台账, XLSX), the empty template, and an
// import that reports every bad row before anything is written.
import { useRef, useState } from 'react'
import { ApiError } from '../api.ts'
import { useI18n } from '../i18n/i18n.tsx'
import {
  exportUrl, importLedgerFile, TEMPLATE_URL, villageBooksUrl,
  type CaseFilter, type ExportFormat, type ImportMode, type ImportProblem, type ImportProgress, type LedgerImportResult,
} from '../ledger-api.ts'

const FORMATS: readonly ExportFormat[] = ['csv', 'geojson', 'gpkg']

/** The API's header language for the UI's. */
const apiLang = (lang: string): 'zh' | 'en' => (lang === 'en' ? 'en' : 'zh')

export function LedgerExportMenu({ filter, total }: { filter: CaseFilter; total: number }) {
  const { t, lang } = useI18n()
  const books = villageBooksUrl(filter.admin, apiLang(lang))
  return (
    <details className="io-menu" data-testid="ledger-export">
      <summary>{t('ledgerIo.export')}</summary>
      <div className="io-menu-body" role="menu">
        <p className="io-note">{t('ledgerIo.selection', { n: total })}</p>
        {FORMATS.map((f) => (
          <a key={f} role="menuitem" href={exportUrl(filter, f, apiLang(lang))} download data-testid={`export-${f}`}>
            {t(`ledgerIo.format.${f}`)}
          </a>
        ))}
        <hr />
        {books ? (
          <a role="menuitem" href={books} download data-testid="export-books">
            {t('ledgerIo.books')}
          </a>
        ) : (
          <span className="io-disabled" data-testid="export-books-hint">
            {t('ledgerIo.booksHint')}
          </span>
        )}
        <a role="menuitem" href={TEMPLATE_URL} download data-testid="export-template">
          {t('ledgerIo.template')}
        </a>
      </div>
    </details>
  )
}

type ImportState =
  | { kind: 'idle' }
  | { kind: 'uploading'; fraction: number }
  /** A large file being read, checked and written on the server (polled). */
  | { kind: 'importing'; progress: ImportProgress }
  | { kind: 'done'; result: LedgerImportResult }
  | { kind: 'refused'; message: string; problems: ImportProblem[]; problemCount: number; rows: number | null }

export function LedgerImportDialog({ onClose, onImported }: { onClose(): void; onImported(): void }) {
  const { t, lang } = useI18n()
  const [file, setFile] = useState<File | null>(null)
  const [mode, setMode] = useState<ImportMode>('all_or_nothing')
  const [state, setState] = useState<ImportState>({ kind: 'idle' })
  const dialog = useRef<HTMLDialogElement>(null)

  const submit = async (chosen: ImportMode) => {
    if (!file) return
    setMode(chosen)
    setState({ kind: 'uploading', fraction: 0 })
    try {
      const result = await importLedgerFile(file, chosen, {
        onUpload: (fraction) => setState({ kind: 'uploading', fraction }),
        onServer: (progress) => setState({ kind: 'importing', progress }),
      })
      setState({ kind: 'done', result })
      if (result.imported > 0) onImported()
    } catch (e) {
      const p = e instanceof ApiError ? (e.problem as (Record<string, unknown> & { problems?: ImportProblem[]; problemCount?: number; rows?: number }) | null) : null
      const zh = typeof p?.detailZh === 'string' ? p.detailZh : null
      setState({
        kind: 'refused',
        message: (lang !== 'en' && zh) || (e instanceof Error ? e.message : String(e)),
        problems: p?.problems ?? [],
        problemCount: p?.problemCount ?? p?.problems?.length ?? 0,
        rows: typeof p?.rows === 'number' ? p.rows : null,
      })
    }
  }

  const problems = state.kind === 'done' ? state.result.problems : state.kind === 'refused' ? state.problems : []
  const problemCount = state.kind === 'done' ? state.result.problemCount : state.kind === 'refused' ? state.problemCount : 0
  return (
    <dialog
      ref={(d) => {
        dialog.current = d
        if (d && !d.open) d.showModal()
      }}
      className="app-dialog import-dialog"
      onClose={onClose}
      onCancel={onClose}
      aria-labelledby="ledger-import-title"
      data-testid="ledger-import"
      data-state={state.kind}
    >
      <h2 id="ledger-import-title">{t('ledgerIo.importTitle')}</h2>
      <p className="io-note">
        {t('ledgerIo.importHelp')}{' '}
        <a href={TEMPLATE_URL} download>
          {t('ledgerIo.template')}
        </a>
      </p>
      <label className="field">
        <span>{t('ledgerIo.file')}</span>
        <input
          type="file"
          accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            setState({ kind: 'idle' })
          }}
          data-testid="import-file"
        />
      </label>
      <fieldset className="choices">
        <legend>{t('ledgerIo.mode')}</legend>
        {(['all_or_nothing', 'valid_rows_only'] as const).map((m) => (
          <label key={m} className="choice">
            <input type="radio" name="import-mode" checked={mode === m} onChange={() => setMode(m)} data-testid={`import-mode-${m}`} />
            {t(`ledgerIo.mode.${m}`)}
          </label>
        ))}
      </fieldset>

      {state.kind === 'uploading' && (
        <div className="progress" role="progressbar" aria-valuenow={Math.round(state.fraction * 100)} aria-valuemin={0} aria-valuemax={100}>
          <span style={{ width: `${Math.round(state.fraction * 100)}%` }} />
          <small>{state.fraction < 1 ? t('ledgerIo.uploading') : t('ledgerIo.checking')}</small>
        </div>
      )}
      {state.kind === 'importing' && (
        <div
          className="progress"
          role="progressbar"
          aria-valuenow={Math.round(state.progress.fraction * 100)}
          aria-valuemin={0}
          aria-valuemax={100}
          data-testid="import-progress"
          data-phase={state.progress.phase}
        >
          <span style={{ width: `${Math.round(state.progress.fraction * 100)}%` }} />
          <small>
            {state.progress.phase === 'writing'
              ? t('ledgerIo.writing', { n: state.progress.rowsWritten, of: state.progress.rowsValid })
              : t('ledgerIo.reading', { n: state.progress.rowsRead, problems: state.progress.problemCount })}
          </small>
        </div>
      )}
      {state.kind === 'done' && (
        <p className="io-ok" role="status" data-testid="import-result" data-imported={state.result.imported}>
          {t('ledgerIo.imported', { n: state.result.imported, rows: state.result.rows })}
          {state.result.locationPending > 0 && ` ${t('ledgerIo.pending', { n: state.result.locationPending })}`}
          {state.result.problemCount > 0 && ` ${t('ledgerIo.skipped', { n: state.result.problemCount })}`}
        </p>
      )}
      {state.kind === 'refused' && (
        <p className="form-error" role="alert" data-testid="import-refused">
          {state.message}
        </p>
      )}
      {problems.length > 0 && (
        <div className="import-problems">
          <p>{t('ledgerIo.problems', { n: problemCount })}</p>
          <table data-testid="import-problems">
            <thead>
              <tr>
                <th>{t('ledgerIo.row')}</th>
                <th>{t('ledgerIo.column')}</th>
                <th>{t('ledgerIo.problem')}</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((p, i) => (
                <tr key={i} data-testid="import-problem" data-row={p.row}>
                  <td className="num">
                    {p.sheet ? `${p.sheet} ` : ''}
                    {p.row}
                  </td>
                  <td>{p.column}</td>
                  <td>{lang === 'en' ? p.messageEn : p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="dialog-buttons">
        {state.kind === 'refused' && mode === 'all_or_nothing' && problems.length > 0 && (
          <button type="button" onClick={() => void submit('valid_rows_only')} data-testid="import-valid-only">
            {t('ledgerIo.importValidOnly')}
          </button>
        )}
        <button type="button" className="primary" disabled={!file || state.kind === 'uploading' || state.kind === 'importing'} onClick={() => void submit(mode)} data-testid="import-submit">
          {t('ledgerIo.importSubmit')}
        </button>
        <button type="button" onClick={() => dialog.current?.close()} data-testid="import-close">
          {t('ledgerIo.close')}
        </button>
      </div>
    </dialog>
  )
}
