/**
 * Which browser origins may call the RPC (CORS on HTTP, the Origin check on WebSocket
 * upgrades). An entry is `*` (any origin), an exact origin (`https://app.example`, or
 * `http://host:8080`), or an origin with any port (`http://localhost:*`).
 *
 * A request without an `Origin` header is not a browser's (curl, viem in Node) and is not
 * checked here: the check exists only to stop pages the user happens to open from driving
 * the node (geth skips it the same way for WebSocket).
 */

/** Pages served from this machine: the dashboard, a dapp under development. */
export const LOCAL_ORIGINS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'].flatMap((host) => [`http://${host}:*`, `https://${host}:*`])

/** A parsed allow-list entry. `port` undefined: any port. */
type OriginRule = { any: true } | { any: false; scheme: string; host: string; port: string | undefined }

/** Why an allow-list entry cannot be read, or undefined when it can. */
export function originPatternError(entry: string): string | undefined {
  return parseRule(entry) ? undefined : `${JSON.stringify(entry)} is not an origin: write scheme://host[:port] (port may be *), or * for any origin`
}

/** A compiled allow-list: `allows(origin)` for the value of an `Origin` header. */
export class OriginPolicy {
  readonly #rules: OriginRule[]
  readonly #exact = new Set<string>()

  constructor(entries: readonly string[]) {
    this.#rules = entries.map((e) => parseRule(e)).filter((r): r is OriginRule => r !== undefined)
  }

  /** True for `*` in the list. */
  get anyOrigin(): boolean {
    return this.#rules.some((r) => r.any)
  }

  /** Allows one more exact origin (the dashboard's, known once it listens). */
  add(origin: string): void {
    const parsed = parseOrigin(origin)
    if (parsed) this.#exact.add(serialize(parsed.scheme, parsed.host, parsed.port))
  }

  /**
   * Whether a browser at `origin` may call. A malformed header, `null` (sandboxed frames,
   * file:// pages) or several origins in one header are refused unless `*` is listed.
   */
  allows(origin: string): boolean {
    if (this.anyOrigin) return true
    const o = parseOrigin(origin)
    if (!o) return false
    if (this.#exact.has(serialize(o.scheme, o.host, o.port))) return true
    return this.#rules.some((r) => !r.any && r.scheme === o.scheme && r.host === o.host && (r.port === undefined || r.port === o.port))
  }
}

/** Longest `Origin` value considered; browsers send short ones, anything longer is hostile. */
const MAX_ORIGIN_LENGTH = 2048

function parseRule(entry: string): OriginRule | undefined {
  if (entry === '*') return { any: true }
  if (typeof entry !== 'string' || entry.length > MAX_ORIGIN_LENGTH) return undefined
  const wildcardPort = entry.endsWith(':*')
  const parsed = parseOrigin(wildcardPort ? entry.slice(0, -2) : entry)
  if (!parsed) return undefined
  return { any: false, scheme: parsed.scheme, host: parsed.host, port: wildcardPort ? undefined : parsed.port }
}

/** `scheme://host[:port]` with nothing after it, scheme http(s); the port made explicit. */
function parseOrigin(value: string): { scheme: string; host: string; port: string } | undefined {
  if (value.length > MAX_ORIGIN_LENGTH || !/^https?:\/\/[^/?#@\s]+$/i.test(value)) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  const scheme = url.protocol.slice(0, -1)
  if (url.hostname === '') return undefined
  const port = url.port !== '' ? url.port : scheme === 'https' ? '443' : '80'
  return { scheme, host: url.hostname.toLowerCase(), port }
}

function serialize(scheme: string, host: string, port: string): string {
  return `${scheme}://${host}:${port}`
}
