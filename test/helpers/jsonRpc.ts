/**
 * JSON-RPC over HTTP for tests that talk to servers which may be down, slow or hostile:
 * every call has a deadline, errors keep their JSON-RPC code, and batches answer per
 * entry (one failing call does not hide the others).
 */

export interface RpcErrorBody {
  code: number
  message: string
  data?: unknown
}

/** A JSON-RPC error answer (`code` is the server's), or a transport failure (`code` undefined). */
export class RpcCallError extends Error {
  override name = 'RpcCallError'
  constructor(
    message: string,
    readonly code?: number,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

export interface RpcCall {
  method: string
  params: unknown[]
}

export type BatchAnswer<T = unknown> = { ok: true; result: T } | { ok: false; error: RpcErrorBody }

/** Default deadline of one HTTP request. */
export const RPC_TIMEOUT_MS = 15_000

async function post(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    const e = err as Error
    throw new RpcCallError(`${url}: ${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause ? ` (${String((e.cause as Error).message ?? e.cause)})` : ''}`}`)
  }
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new RpcCallError(`${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`)
  }
}

/** One call; throws `RpcCallError` on an error answer (with its code) or when the server does not answer. */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs = RPC_TIMEOUT_MS): Promise<T> {
  const body = (await post(url, { jsonrpc: '2.0', id: 1, method, params }, timeoutMs)) as { result?: T; error?: RpcErrorBody }
  if (body.error) throw new RpcCallError(`${method}: ${body.error.code} ${body.error.message}`, body.error.code, body.error.data)
  return body.result as T
}

/**
 * Calls in JSON-RPC batches of at most `chunk` (geth's limit is 1,000), answers in the
 * order of `calls`. Throws `RpcCallError` only when the server does not answer a batch.
 */
export async function rpcBatch<T = unknown>(url: string, calls: readonly RpcCall[], opts: { chunk?: number; timeoutMs?: number } = {}): Promise<BatchAnswer<T>[]> {
  const chunk = opts.chunk ?? 500
  const out: BatchAnswer<T>[] = []
  for (let i = 0; i < calls.length; i += chunk) {
    const part = calls.slice(i, i + chunk)
    const body = await post(url, part.map((c, j) => ({ jsonrpc: '2.0', id: j, method: c.method, params: c.params })), opts.timeoutMs ?? RPC_TIMEOUT_MS)
    if (!Array.isArray(body)) {
      const error = (body as { error?: RpcErrorBody }).error
      throw new RpcCallError(`${url}: a batch was answered with ${JSON.stringify(body).slice(0, 200)}`, error?.code)
    }
    type Answer = { id: unknown; result?: T; error?: RpcErrorBody }
    const byId = new Map<unknown, Answer>((body as Answer[]).map((r) => [r.id, r]))
    part.forEach((c, j) => {
      const r = byId.get(j)
      if (!r) out.push({ ok: false, error: { code: 0, message: `no answer to ${c.method} in the batch` } })
      else if (r.error) out.push({ ok: false, error: r.error })
      else out.push({ ok: true, result: r.result as T })
    })
  }
  return out
}
