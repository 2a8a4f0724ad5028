// Password hashes with node's scrypt. Stored as scrypt$N$r$p$salt$hash (base64url), so the
// cost can be raised later without invalidating existing hashes.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  )

const COST = { N: 16384, r: 8, p: 1 }
const KEY_LENGTH = 32
export const MIN_PASSWORD_LENGTH = 10

// Passwords every guessing list starts with; a policy of length alone lets these through.
const COMMON = new Set([
  '1234567890', '0123456789', '12345678910', '1qaz2wsx3edc', 'qwertyuiop', 'password123', 'password1234', 'passw0rd123',
  'admin12345', 'admin123456', 'administrator', 'a1234567890', 'abc1234567', 'abcdefghij', 'iloveyou123', 'woaini1314',
  '5201314520', 'qwer123456', 'asdf123456', 'zxcvbnm123', '1q2w3e4r5t', 'aa12345678', 'abcd123456', 'p@ssw0rd123',
])

/**
 * Why a password may not be used for an account, in Chinese and English, or null when it may:
 * at least MIN_PASSWORD_LENGTH characters, not the username, not one repeated character or a
 * common password.
 */
export function passwordProblem(password: string, username: string): { zh: string; en: string } | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return { zh: `密码至少需要 ${MIN_PASSWORD_LENGTH} 个字符`, en: `the password must have at least ${MIN_PASSWORD_LENGTH} characters` }
  }
  const lower = password.toLowerCase()
  if (username && lower.includes(username.toLowerCase())) return { zh: '密码不能包含用户名', en: 'the password must not contain the username' }
  if (new Set(lower).size <= 2) return { zh: '密码不能只由一两个字符重复组成', en: 'the password must not be one or two characters repeated' }
  if (COMMON.has(lower)) return { zh: '这是常见密码，请换一个', en: 'this is a common password; choose another' }
  return null
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEY_LENGTH, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  })
  return timingSafeEqual(key, expected)
}

/** A random password a person can type: 16 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('')
}
