import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { tempDir } from '../../test/helpers/tmp.js'
import { JWT_IAT_WINDOW_SECONDS, JwtError, readJwtSecret, signJwt, verifyJwt } from './jwt.js'

const secret = Uint8Array.from(randomBytes(32))
const now = 1_800_000_000

function forge(header: object, claims: object, key: Uint8Array = secret): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url')
  const c = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${h}.${c}.${createHmac('sha256', key).update(`${h}.${c}`).digest('base64url')}`
}

describe('executor JWT (Engine API auth)', { timeout: 10_000 }, () => {
  it('accepts a token signed with the secret within the iat window, at both edges', () => {
    verifyJwt(signJwt(secret, now), secret, now)
    verifyJwt(signJwt(secret, now - JWT_IAT_WINDOW_SECONDS), secret, now)
    verifyJwt(signJwt(secret, now + JWT_IAT_WINDOW_SECONDS), secret, now)
  })

  it('refuses stale and future tokens, another secret, alg none and other algorithms, and garbage', () => {
    const refused = (token: string) => assert.throws(() => verifyJwt(token, secret, now), JwtError)
    refused(signJwt(secret, now - JWT_IAT_WINDOW_SECONDS - 1))
    refused(signJwt(secret, now + JWT_IAT_WINDOW_SECONDS + 1))
    refused(signJwt(Uint8Array.from(randomBytes(32)), now))
    refused(forge({ alg: 'none', typ: 'JWT' }, { iat: now }).replace(/\.[^.]*$/, '.'))
    refused(forge({ alg: 'HS512', typ: 'JWT' }, { iat: now }))
    refused(forge({ alg: 'HS256' }, { iat: String(now) }))
    refused(forge({ alg: 'HS256' }, {}))
    refused(forge({ alg: 'HS256' }, { iat: 1e300 }))
    refused('')
    refused('a.b')
    refused('not.json.atall')
    refused('x'.repeat(100_000))
    // A valid token with its signature changed in one character (the next to last: all six of its bits count).
    const t = signJwt(secret, now)
    const changed = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.slice(-1)
    assert.notEqual(changed, t)
    refused(changed)
  })

  it('needs a 32-byte secret, read from a hex file', () => {
    assert.throws(() => signJwt(new Uint8Array(31)), JwtError)
    const { dir, cleanup } = tempDir('plexus-jwt-')
    const good = path.join(dir, 'good')
    writeFileSync(good, `0x${Buffer.from(secret).toString('hex')}\n`)
    assert.deepEqual(readJwtSecret(good), secret)
    const bad = path.join(dir, 'bad')
    writeFileSync(bad, 'abcd')
    assert.throws(() => readJwtSecret(bad), /64 hex digits/)
    assert.throws(() => readJwtSecret(path.join(dir, 'missing')), /ENOENT/)
    cleanup()
  })
})
