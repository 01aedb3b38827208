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
import { inSendQueue, type SendQueue } from './sendQueue.js'

/** An L1 transaction that reverted or could not be sent. */
export class L1TransactionError extends BaseError {
  override name = 'L1TransactionError'
}

/** An L1 call or wait given up because its caller is stopping (not a failure of the L1). */
export class L1AbortedError extends BaseError {
  override name = 'L1AbortedError'
}

export interface L1Signer {
  wallet: WalletClient
  account: Account
  chain: ViemChain
  publicClient: PublicClient
  /**
   * Aborted when whatever owns the signer stops: every `writeAndWait` with this signer
   * then gives up at once (its transaction, if sent, is found on L1 after a restart).
   */
  signal?: AbortSignal
  /**
   * Where this key's sends queue when several parts may send with it at once (the
   * deployer registering many chains concurrently; the super proposer and the escrow
   * settler sharing a key): each send reads the L1's pending nonce only after the one
   * before it was accepted. Without it, callers must send one at a time.
   */
  sends?: SendQueue
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
 * with the revert reason if it would revert or did. The send goes through the signer's
 * `sends` queue (nonces never race); the simulation and the wait for the receipt do not,
 * so calls of one signer overlap there. `signal` (default the signer's) abandons the call and
 * its wait at once with L1AbortedError, wherever it is.
 */
export async function writeAndWait(signer: L1Signer, call: ContractWrite, signal = signer.signal): Promise<TransactionReceipt> {
  const { publicClient, wallet, account, chain } = signer
  let hash: Hex
  try {
    const { request } = await abortable(
      publicClient.simulateContract({
        address: call.address,
        abi: call.abi,
        functionName: call.functionName,
        args: call.args as unknown[],
        account,
        value: call.value,
        chain,
      } as never),
      signal,
      call.functionName,
    )
    hash = await abortable(inSendQueue(signer.sends, () => wallet.writeContract(request as never)), signal, call.functionName)
  } catch (err) {
    if (err instanceof L1AbortedError) throw err
    throw new L1TransactionError(`L1 call ${call.functionName} failed: ${reasonOf(err)}`, { cause: err })
  }
  return waitForSuccess(publicClient, hash, call.functionName, signal)
}

/**
 * `promise`, or L1AbortedError as soon as `signal` is aborted (the underlying request
 * may still complete; its result is dropped).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(abortedError(what))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(what))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

function abortedError(what: string): L1AbortedError {
  return new L1AbortedError(`L1 call ${what} abandoned: stopping`)
}

/**
 * The receipt of the sent L1 call `what` (tx `hash`), once included; throws if it
 * reverted or the L1 dropped it (see `waitForInclusion`), or when `signal` aborts.
 */
export async function waitForSuccess(client: PublicClient, hash: Hex, what: string, signal?: AbortSignal): Promise<TransactionReceipt> {
  const receipt = await waitForInclusion(client, hash, what, signal)
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
async function waitForInclusion(client: PublicClient, hash: Hex, what: string, signal?: AbortSignal): Promise<TransactionReceipt> {
  let missing = 0
  for (;;) {
    const receipt = await abortable(client.getTransactionReceipt({ hash }).catch(() => undefined), signal, what)
    if (receipt) return receipt
    const known = await abortable(client.getTransaction({ hash }).catch(() => undefined), signal, what)
    missing = known ? 0 : missing + 1
    if (missing >= DROPPED_AFTER_POLLS) throw new L1TransactionError(`L1 call ${what} (tx ${hash}) was dropped by the L1 before inclusion`)
    await abortable(new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS)), signal, what)
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
