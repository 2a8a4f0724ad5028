// The environment, validated once at boot. An unknown CHAIWEI_* key or a bad value refuses to start:
// a typo in production config must not silently fall back to a default.
import { resolve } from 'node:path'

export type SampleSize = 'none' | 'tiny' | 'demo' | 'city'

export interface Config {
  port: number
  host: string
  /** Real PostGIS server; unset means the embedded PGlite database. */
  databaseUrl: string | undefined
  /** A hot standby of databaseUrl that answers reads (GET/HEAD); unset: the primary answers everything. */
  databaseReadUrl: string | undefined
  /** Server processes sharing the port (node:cluster); 1: this process serves. */
  workers: number
  /** Folder of the embedded database (ignored when databaseUrl is set). */
  dataDir: string
  /** Sample data to load into an empty database on first start. */
  sample: SampleSize
  /** Mark the session cookie Secure (browsers still accept it on http://localhost). */
  cookieSecure: boolean
  sessionHours: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Folder of the built web app served at / (absent in API-only deployments). */
  webDir: string
  /** Folder where photos and documents are kept (back it up with the database). */
  uploadDir: string
  /** Largest patch file (卫片图斑) an import accepts, in bytes. */
  importMaxBytes: number
  /** A patch is verified with a site photo taken this close to it (metres), or a reason why not. */
  verifyPhotoMaxM: number
  /** Keys of the apps allowed to send reports through Open311 (POST requests.json); none: that door is shut. */
  open311Keys: readonly string[]
  /** Peers whose X-Forwarded-For is believed (Fastify trustProxy): the per-address rate limits
   *  and the reports' CAPTCHA rule count by the address this gives. */
  trustProxy: string | false
}

export class ConfigError extends Error {}

// Keys we read. Anything else under our prefix is a typo and refuses to start.
const KNOWN = {
  PORT: 'HTTP port (default 3000)',
  HOST: 'listen address (default 0.0.0.0)',
  DATABASE_URL: 'postgres:// URL of a PostGIS server; unset = embedded PGlite',
  DATABASE_READ_URL: 'postgres:// URL of a hot standby of DATABASE_URL that answers reads (only with DATABASE_URL; unset = the primary answers reads)',
  CHAIWEI_WORKERS: 'server processes sharing the port (default 1; more than 1 only with DATABASE_URL)',
  CHAIWEI_DATA_DIR: 'embedded database folder (default data/pglite)',
  CHAIWEI_SAMPLE: 'none | tiny | demo | city: sample data loaded into an empty database (default demo)',
  CHAIWEI_COOKIE_SECURE: 'true | false (default true)',
  CHAIWEI_SESSION_HOURS: 'session lifetime in hours (default 12)',
  CHAIWEI_LOG_LEVEL: 'fatal | error | warn | info | debug | trace | silent (default info)',
  CHAIWEI_WEB_DIR: 'built web app folder (default web/dist)',
  CHAIWEI_UPLOAD_DIR: 'photos and documents folder (default data/uploads)',
  CHAIWEI_IMPORT_MAX_BYTES: 'largest patch import file in bytes (default 209715200 = 200 MB)',
  CHAIWEI_VERIFY_PHOTO_MAX_M: 'metres: a patch is verified with a site photo taken this close to it, or a reason why not (default 100)',
  CHAIWEI_TRUST_PROXY: 'addresses/CIDRs (comma-separated) of the reverse proxies whose X-Forwarded-For is believed, or none (default loopback: a proxy on this machine)',
  CHAIWEI_OPEN311_KEYS: 'comma-separated api_key values of apps that may post reports through Open311 (each at least 16 characters; default none)',
} as const

export const configKeys: Readonly<Record<string, string>> = KNOWN

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${key}=${raw} is not a whole number from ${min} to ${max}`)
  return n
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${key}=${raw} is not one of ${allowed.join(', ')}`)
  return raw as T
}

/** `none`, or a list of addresses, CIDRs and proxy-addr's names (loopback, linklocal, uniquelocal). */
function proxies(raw: string | undefined): string | false {
  const value = raw?.trim() || 'loopback'
  if (value === 'none') return false
  const entry = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/[0-9]{1,3})?)$/
  const bad = value.split(',').map((v) => v.trim()).find((v) => !entry.test(v))
  if (bad !== undefined) throw new ConfigError(`CHAIWEI_TRUST_PROXY: ${bad} is not an address, a CIDR, loopback, linklocal or uniquelocal`)
  return value
}

function keyList(env: NodeJS.ProcessEnv, key: string): string[] {
  const keys = (env[key] ?? '').split(',').map((k) => k.trim()).filter(Boolean)
  const short = keys.find((k) => k.length < 16)
  if (short !== undefined) throw new ConfigError(`${key}: every key must be at least 16 characters (${short.slice(0, 4)}… is ${short.length})`)
  return keys
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): Config {
  for (const key of Object.keys(env)) {
    if (key.startsWith('CHAIWEI_') && !(key in KNOWN)) {
      throw new ConfigError(`unknown setting ${key}; known settings: ${Object.keys(KNOWN).filter((k) => k.startsWith('CHAIWEI_')).join(', ')}`)
    }
  }
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://')
  }
  const databaseReadUrl = env.DATABASE_READ_URL === '' ? undefined : env.DATABASE_READ_URL
  if (databaseReadUrl !== undefined) {
    if (databaseUrl === undefined) throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL: the embedded database has no replicas')
    if (!/^postgres(ql)?:\/\//.test(databaseReadUrl)) throw new ConfigError('DATABASE_READ_URL must start with postgres:// or postgresql://')
  }
  const workers = int(env, 'CHAIWEI_WORKERS', 1, 1, 64)
  if (workers > 1 && databaseUrl === undefined) {
    throw new ConfigError(`CHAIWEI_WORKERS=${workers} needs DATABASE_URL: the embedded database is opened by one process only`)
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    databaseReadUrl,
    workers,
    dataDir: resolve(root, env.CHAIWEI_DATA_DIR || 'data/pglite'),
    sample: oneOf(env, 'CHAIWEI_SAMPLE', ['none', 'tiny', 'demo', 'city'] as const, 'demo'),
    cookieSecure: oneOf(env, 'CHAIWEI_COOKIE_SECURE', ['true', 'false'] as const, 'true') === 'true',
    sessionHours: int(env, 'CHAIWEI_SESSION_HOURS', 12, 1, 24 * 30),
    logLevel: oneOf(env, 'CHAIWEI_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    webDir: resolve(root, env.CHAIWEI_WEB_DIR || 'web/dist'),
    uploadDir: resolve(root, env.CHAIWEI_UPLOAD_DIR || 'data/uploads'),
    importMaxBytes: int(env, 'CHAIWEI_IMPORT_MAX_BYTES', 200 * 1024 * 1024, 1024, 4 * 1024 ** 3),
    verifyPhotoMaxM: int(env, 'CHAIWEI_VERIFY_PHOTO_MAX_M', 100, 1, 10_000),
    open311Keys: keyList(env, 'CHAIWEI_OPEN311_KEYS'),
    trustProxy: proxies(env.CHAIWEI_TRUST_PROXY),
  }
}
