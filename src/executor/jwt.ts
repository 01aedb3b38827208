import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { BaseError } from '../primitives/errors.js'

/**
 * The Engine API's authentication, as execution clients do it: an HS256 JWT signed with a
 * 32-byte secret both sides share, whose `iat` claim must be within 60 s of the
 * verifier's clock (so a captured token is good for a minute only). Nothing else is
 * accepted: no other algorithm (never `none`), no other key size.
 */

/** How far `iat` may be from the verifier's clock, in seconds (the Engine API's value). */
export const JWT_IAT_WINDOW_SECONDS = 60

/** A token or secret that does not authenticate. */
export class JwtError extends BaseError {
  override name = 'JwtError'
}

const HEADER = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })))

/** A token for `secret`, issued at `nowSeconds`. */
export function signJwt(secret: Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): string {
  checkSecret(secret)
  const payload = base64url(Buffer.from(JSON.stringify({ iat: nowSeconds })))
  return `${HEADER}.${payload}.${mac(secret, `${HEADER}.${payload}`)}`
}

/** Throws `JwtError` unless `token` is an HS256 JWT signed with `secret` and issued within the window. */
export function verifyJwt(token: string, secret: Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): void {
  checkSecret(secret)
  if (token.length > 1024) throw new JwtError('the token is too long')
  const parts = token.split('.')
  if (parts.length !== 3) throw new JwtError('the token is not a JWT (three dot-separated parts)')
  const [header, payload, signature] = parts as [string, string, string]
  let alg: unknown
  let iat: unknown
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg
    iat = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown }).iat
  } catch {
    throw new JwtError('the token header or claims are not JSON')
  }
  if (alg !== 'HS256') throw new JwtError(`the token's algorithm is ${JSON.stringify(alg)}, not HS256`)
  const expected = Buffer.from(mac(secret, `${header}.${payload}`))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new JwtError('the token is not signed with the shared secret')
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat)) throw new JwtError('the token has no integer iat claim')
  if (Math.abs(nowSeconds - iat) > JWT_IAT_WINDOW_SECONDS) {
    throw new JwtError(`the token was issued ${nowSeconds - iat} s from now; it must be within ${JWT_IAT_WINDOW_SECONDS} s (are both clocks right?)`)
  }
}

/**
 * The secret in a file, as execution clients keep it: 32 bytes as hex (0x optional,
 * surrounding whitespace ignored).
 */
export function readJwtSecret(file: string): Uint8Array {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new JwtError(`cannot read the JWT secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new JwtError(`the JWT secret file ${file} must hold 32 bytes as hex (64 hex digits)`)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== 32) throw new JwtError(`the JWT secret must be 32 bytes, not ${secret.length}`)
}

function mac(secret: Uint8Array, input: string): string {
  return base64url(createHmac('sha256', secret).update(input).digest())
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url')
}
