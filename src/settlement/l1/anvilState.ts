import { open, rename } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { gunzip as gunzipCallback } from 'node:zlib'
import { BaseError } from '../../primitives/errors.js'

const gunzip = promisify(gunzipCallback)

/** anvil did not answer (`unreachable`: down, hung, or gone mid-request), or answered with an error. */
export class AnvilRpcError extends BaseError {
  override name = 'AnvilRpcError'
  constructor(
    message: string,
    readonly unreachable: boolean,
    params: { cause?: unknown } = {},
  ) {
    super(message, params)
  }
}

/** One JSON-RPC call to anvil, bounded by `timeoutMs`. */
export async function anvilRpc<T>(url: string, method: string, params: unknown[], timeoutMs: number): Promise<T> {
  let body: { result?: T; error?: { message: string } }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    body = (await res.json()) as typeof body
  } catch (cause) {
    throw new AnvilRpcError(`anvil ${method} failed: ${(cause as Error).message}`, true, { cause })
  }
  if (body.error) throw new AnvilRpcError(`anvil ${method} failed: ${body.error.message}`, false)
  return body.result as T
}

/** The newest block anvil serves. */
export async function anvilHead(url: string, timeoutMs: number): Promise<{ number: bigint; hash: string }> {
  const block = await anvilRpc<{ number: string; hash: string } | null>(url, 'eth_getBlockByNumber', ['latest', false], timeoutMs)
  if (!block) throw new AnvilRpcError('anvil has no latest block', false)
  return { number: BigInt(block.number), hash: block.hash }
}

export interface WrittenState {
  /** The newest L1 block the file is known to hold (every block up to it, with its state). */
  block: bigint
  /** Bytes written (the uncompressed JSON anvil loads). */
  bytes: number
}

/**
 * Writes anvil's whole chain — blocks, transactions, receipts, accounts and the
 * historical states it keeps — to `file`, so that `anvil --load-state file` comes back
 * with the same blocks under the same hashes. Atomic: the JSON goes to a temporary file
 * that is fsynced and then renamed over `file` (and the directory fsynced), so a crash at
 * any moment leaves either the previous file or the new one, never a torn one. Returns
 * the newest block the file surely holds: the head read before the dump, provided it is
 * still canonical afterwards (undefined if an L1 reorg replaced it meanwhile; the next
 * write will do).
 */
export async function writeAnvilState(url: string, file: string, timeoutMs: number): Promise<WrittenState | undefined> {
  const before = await anvilHead(url, timeoutMs)
  const dump = await anvilRpc<string>(url, 'anvil_dumpState', [false], timeoutMs)
  const json = await gunzip(Buffer.from(dump.slice(2), 'hex'))
  const tmp = `${file}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(json)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, file)
  await syncDir(path.dirname(file))
  const still = await anvilRpc<{ hash: string } | null>(url, 'eth_getBlockByNumber', [`0x${before.number.toString(16)}`, false], timeoutMs)
  return still?.hash === before.hash ? { block: before.number, bytes: json.length } : undefined
}

/** Makes a rename in `dir` durable (a no-op where directories cannot be opened for sync). */
async function syncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Not supported on this platform: the rename is still atomic.
  } finally {
    await handle?.close()
  }
}
