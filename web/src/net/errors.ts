import { BaseError, ContractFunctionRevertedError } from 'viem'

/** One line for the user: a contract's revert with its decoded error, else viem's short message. */
export function errorText(e: unknown): string {
  if (e instanceof BaseError) {
    const revert = e.walk((x) => x instanceof ContractFunctionRevertedError)
    if (revert instanceof ContractFunctionRevertedError) {
      if (revert.data?.errorName) return `reverted: ${revert.data.errorName}(${(revert.data.args ?? []).map(String).join(', ')})`
      if (revert.reason) return `reverted: ${revert.reason}`
    }
    return e.shortMessage
  }
  return e instanceof Error ? e.message.split('\n')[0]! : String(e)
}

/** JSON-RPC -32601: the method does not exist here, or (debug_*, plexus_retryMessage) its group is closed on this node's RPC. */
export function isMethodClosed(e: unknown): boolean {
  const code = e instanceof BaseError ? (e.walk((x) => typeof (x as { code?: unknown }).code === 'number') as { code?: number } | null)?.code : undefined
  return code === -32601
}
