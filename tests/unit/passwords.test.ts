import { test } from 'vitest'
import assert from 'node:assert/strict'
import { generatePassword, hashPassword, verifyPassword } from '../../server/src/domain/passwords.ts'

test('a hash verifies its password and no other', async () => {
  const hash = await hashPassword('拆违 password 1')
  assert.match(hash, /^scrypt\$16384\$8\$1\$/)
  assert.equal(await verifyPassword('拆违 password 1', hash), true)
  assert.equal(await verifyPassword('拆违 password 2', hash), false)
})

test('two hashes of one password differ (salted)', async () => {
  assert.notEqual(await hashPassword('same password'), await hashPassword('same password'))
})

test('a malformed stored hash never verifies', async () => {
  assert.equal(await verifyPassword('x', 'plain-text-password'), false)
})

test('generated passwords are 16 characters and differ', () => {
  const a = generatePassword()
  assert.equal(a.length, 16)
  assert.notEqual(a, generatePassword())
})
