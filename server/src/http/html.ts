// The HTML representation of OGC API resources: a plain page, everything escaped.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** body must already be escaped HTML. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · 拆违 OGC API</title>
<style>body{font:14px/1.5 system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-size:13px}
th{background:#f4f4f4}a{color:#1a5fb4}</style></head>
<body><p><a href="/ogc?f=html">OGC API</a> · <a href="/ogc/collections?f=html">集合</a></p>
<h1>${escapeHtml(title)}</h1>${body}</body></html>`
}
