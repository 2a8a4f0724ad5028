// Saving what the app made (a report, a workbook from a POST) as a file, as a link with `download`
// would for a GET.

export function download(href: string, fileName: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  download(url, fileName)
  // the browser has taken the file by then; the URL only holds memory
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
