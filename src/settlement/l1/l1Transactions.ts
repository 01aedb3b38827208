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
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 250 })
  if (receipt.status !== 'success') {
    throw new L1TransactionError(`L1 call ${call.functionName} reverted in block ${receipt.blockNumber} (tx ${hash})`)
  }
  return receipt
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
