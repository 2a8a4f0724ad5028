// The API client. Same origin; the session is the `chaiwei_session` cookie, which the browser sends
// by itself. Errors come back as problem+json (RFC 9457) and are thrown as ApiError with the
// server's `detail`, which the UI shows as it is.
//
// The answers' types come from the server's schemas (server/src/schemas/map.schema.ts), imported
// as types only, so the client and the server cannot drift apart.
import type { Bbox } from '../../server/src/schemas/common.schema.ts'
import type { FeatureItem, Meta, Queryables, SearchHit, User } from '../../server/src/schemas/map.schema.ts'

export type { Feature, LayerInfo, Meta, QueryableProperty, Queryables, SearchHit, SearchKind, User } from '../../server/src/schemas/map.schema.ts'

/** [west, south, east, north] in WGS84 degrees. */
export type { Bbox }

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  /** The request field the problem is about (400s of the ledger API). */
  field?: string
  code?: string
  /** The same sentence in Chinese, where the server gives one. */
  detailZh?: string
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem | null
  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem?.detail || problem?.title || fallback)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }
}

/** The server could not be reached at all (no HTTP answer). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('network error', { cause })
    this.name = 'NetworkError'
  }
}

export async function request(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  headers?: Readonly<Record<string, string>>,
): Promise<Response> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json, application/problem+json', ...headers },
    ...(signal ? { signal } : {}),
  }
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' }
    init.body = JSON.stringify(body)
  }
  let res: Response
  try {
    res = await fetch(path, init)
  } catch (e) {
    if (signal?.aborted) throw e
    throw new NetworkError(e)
  }
  if (!res.ok) {
    let problem: Problem | null = null
    try {
      const text = await res.text()
      const parsed: unknown = text ? JSON.parse(text) : null
      if (parsed && typeof parsed === 'object') problem = parsed as Problem
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, problem, `${res.status} ${res.statusText}`.trim())
  }
  return res
}

async function json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await request(method, path, body, signal)
  return (await res.json()) as T
}

/** The logged-in user, or null when there is no valid session. */
export async function getMe(): Promise<User | null> {
  try {
    const { user } = await json<{ user: User }>('GET', '/api/auth/me')
    return user
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null
    throw e
  }
}

export async function login(username: string, password: string): Promise<User> {
  const { user } = await json<{ user: User }>('POST', '/api/auth/login', { username, password })
  return user
}

export async function logout(): Promise<void> {
  await request('POST', '/api/auth/logout')
}

export async function getMeta(): Promise<Meta> {
  return json<Meta>('GET', '/api/meta')
}

// --- map: search, features, queryables ---------------------------------------------------------

export async function search(q: string, limit = 10, signal?: AbortSignal): Promise<SearchHit[]> {
  const params = new URLSearchParams({ q, limit: String(limit) })
  const res = await request('GET', `/api/search?${params}`, undefined, signal)
  const body = (await res.json()) as { results: SearchHit[] }
  return body.results
}

/** One feature of an OGC API collection, in CRS84 (lon/lat), with its links. Properties are the coded English keys. */
export function getFeature(collection: string, id: string, signal?: AbortSignal): Promise<FeatureItem> {
  return json<FeatureItem>('GET', `/ogc/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, undefined, signal)
}

const queryablesCache = new Map<string, Promise<Queryables>>()

/** A collection's queryables, fetched once per page (a failure is forgotten, so it is retried). */
export function getQueryables(collection: string): Promise<Queryables> {
  let p = queryablesCache.get(collection)
  if (!p) {
    p = json<Queryables>('GET', `/ogc/collections/${encodeURIComponent(collection)}/queryables`)
    p.catch(() => queryablesCache.delete(collection))
    queryablesCache.set(collection, p)
  }
  return p
}

/**
 * Multipart upload with progress (XMLHttpRequest: fetch reports no upload progress). The fields go
 * before the file, as the server reads the stream in order; the file is sent as it is, so a photo's
 * EXIF GPS and time survive. A 4xx/5xx rejects with ApiError carrying the problem body.
 */
export function uploadFile<T>(
  url: string,
  fields: Record<string, string>,
  file: Blob & { name?: string },
  opts: { method?: 'POST' | 'PATCH'; fallbackName?: string; onProgress?(fraction: number): void } = {},
): Promise<T> {
  return uploadForm<T>(url, Object.entries(fields), [{ part: 'file', file, name: file.name ?? opts.fallbackName ?? 'upload' }], opts)
}

/** A multipart form of text fields, then files (each under its part name), sent with progress. */
export function uploadForm<T>(
  url: string,
  fields: readonly (readonly [string, string])[],
  files: readonly { part: string; file: Blob; name: string }[],
  opts: { method?: 'POST' | 'PATCH'; onProgress?(fraction: number): void } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const form = new FormData()
    for (const [k, v] of fields) form.append(k, v)
    for (const f of files) form.append(f.part, f.file, f.name)
    const xhr = new XMLHttpRequest()
    xhr.open(opts.method ?? 'POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.(e.loaded / e.total)
    }
    xhr.onerror = () => reject(new NetworkError(new Error('upload failed')))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        // not JSON: keep the status line
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else reject(new ApiError(xhr.status, body && typeof body === 'object' ? (body as Problem) : null, `${xhr.status} ${xhr.statusText}`.trim()))
    }
    xhr.send(form)
  })
}
