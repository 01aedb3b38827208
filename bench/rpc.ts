/**
 * A minimal JSON-RPC client over plain `fetch`: single calls and batches, nothing else,
 * so the client adds as little overhead to the measurement as possible.
 */

export type RpcRequest = { method: string; params: readonly unknown[] }

export type RpcErrorObject = { code: number; message: string; data?: unknown }

/** One entry of a batch answer, in request order. */
export type RpcBatchItem = { result?: unknown; error?: RpcErrorObject }

export class RpcCallError extends Error {
  override name = 'RpcCallError'
  readonly code: number
  readonly data: unknown

  constructor(method: string, error: RpcErrorObject) {
    super(`${method} failed: ${error.message} (code ${error.code})`)
    this.code = error.code
    this.data = error.data
  }
}

export type Rpc = {
  readonly url: string
  call<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>
  /** Sends all requests as one HTTP batch; answers come back in request order. */
  batch(requests: readonly RpcRequest[]): Promise<RpcBatchItem[]>
}

type RpcResponse = { id: number; result?: unknown; error?: RpcErrorObject }

export function createRpc(url: string, timeoutMs = 60_000): Rpc {
  let nextId = 1

  async function post(body: unknown): Promise<unknown> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}: ${text.slice(0, 300)}`)
    return JSON.parse(text) as unknown
  }

  return {
    url,
    async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      const res = (await post({ jsonrpc: '2.0', id: nextId++, method, params })) as RpcResponse
      if (res.error) throw new RpcCallError(method, res.error)
      return res.result as T
    },
    async batch(requests: readonly RpcRequest[]): Promise<RpcBatchItem[]> {
      if (requests.length === 0) return []
      const firstId = nextId
      nextId += requests.length
      const body = requests.map((r, i) => ({ jsonrpc: '2.0', id: firstId + i, method: r.method, params: r.params }))
      const res = await post(body)
      if (!Array.isArray(res)) {
        const error = (res as RpcResponse).error
        throw new Error(`batch of ${requests.length} rejected: ${error ? `${error.message} (code ${error.code})` : JSON.stringify(res).slice(0, 300)}`)
      }
      const out: RpcBatchItem[] = requests.map(() => ({ error: { code: -1, message: 'no answer in batch response' } }))
      for (const item of res as RpcResponse[]) {
        const i = item.id - firstId
        if (i >= 0 && i < out.length) out[i] = item.error ? { error: item.error } : { result: item.result }
      }
      return out
    },
  }
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
