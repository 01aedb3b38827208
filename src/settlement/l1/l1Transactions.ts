import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Chain as ViemChain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import { BaseError } from '../../primitives/errors.js'

/** An L1 transaction that reverted or could not be sent. */
export class L1TransactionError extends BaseError {
  override name = 'L1TransactionError'
}

export interface L1Signer {
  wallet: WalletClient
  account: Account
  chain: ViemChain
  publicClient: PublicClient
}

export interface ContractWrite {
  address: Hex
  abi: Abi
  functionName: string
  args: readonly unknown[]
  value?: bigint
}

/**
 * Simulates, sends and waits for one contract call on L1; throws L1TransactionError
 * with the revert reason if it would revert or did. Callers send one at a time per
 * signer, so nonces never race.
 */
export async function writeAndWait(signer: L1Signer, call: ContractWrite): Promise<TransactionReceipt> {
  const { publicClient, wallet, account, chain } = signer
  let hash: Hex
  try {
    const { request } = await publicClient.simulateContract({
      address: call.address,
      abi: call.abi,
      functionName: call.functionName,
      args: call.args as unknown[],
      account,
      value: call.value,
      chain,
    } as never)
    hash = await wallet.writeContract(request as never)
  } catch (err) {
    throw new L1TransactionError(`L1 call ${call.functionName} failed: ${reasonOf(err)}`, { cause: err })
  }
  return waitForSuccess(publicClient, hash, call.functionName)
}

/**
 * The receipt of the sent L1 call `what` (tx `hash`), once included; throws if it
 * reverted or the L1 dropped it (see `waitForInclusion`).
 */
export async function waitForSuccess(client: PublicClient, hash: Hex, what: string): Promise<TransactionReceipt> {
  const receipt = await waitForInclusion(client, hash, what)
  if (receipt.status !== 'success') {
    throw new L1TransactionError(`L1 call ${what} reverted in block ${receipt.blockNumber} (tx ${hash})`)
  }
  return receipt
}

const RECEIPT_POLL_MS = 250
/** Consecutive polls without the transaction anywhere before it counts as dropped. */
const DROPPED_AFTER_POLLS = 8

/**
 * Waits for the receipt of `hash`. Unlike viem's wait, it gives up when the L1 no longer
 * knows the transaction at all (an L1 reorg dropped it and the node did not re-pool it),
 * so the caller's next round can send again instead of waiting minutes for nothing.
 */
async function waitForInclusion(client: PublicClient, hash: Hex, what: string): Promise<TransactionReceipt> {
  let missing = 0
  for (;;) {
    const receipt = await client.getTransactionReceipt({ hash }).catch(() => undefined)
    if (receipt) return receipt
    const known = await client.getTransaction({ hash }).catch(() => undefined)
    missing = known ? 0 : missing + 1
    if (missing >= DROPPED_AFTER_POLLS) throw new L1TransactionError(`L1 call ${what} (tx ${hash}) was dropped by the L1 before inclusion`)
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
  }
}

/** The revert reason or short message of a viem error. */
export function reasonOf(err: unknown): string {
  if (err instanceof ViemBaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError)
    if (revert instanceof ContractFunctionRevertedError) {
      return revert.data?.errorName ? `${revert.data.errorName}(${(revert.data.args ?? []).join(', ')})` : revert.shortMessage
    }
    return err.shortMessage
  }
  return (err as Error).message
}
