import { encodeFunctionData } from 'viem'
import type { Chain } from '../../src/execution/chain.js'
import type { PooledTx } from '../../src/execution/pooledTx.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { paymasterAbi } from '../../src/interop/relayPayment.js'
import type { Hex } from '../../src/primitives/hex.js'
import { signedTx } from './memoryChains.js'

/** Value that covers any relay payment the tests make (the paymaster refunds the rest). */
export const GENEROUS_PAYMENT = 10n ** 17n

/**
 * A signed `RelayGasPaymaster.payForRelay(msgHash, destination, gasLimit)` on `chain` from
 * dev account `from`, with more value than the quote (refunded).
 */
export function payForRelayTx(chain: Chain, nonce: number, p: { msgHash: Hex; destination: bigint; gasLimit: bigint; from?: number; value?: bigint }): PooledTx {
  return signedTx(chain, nonce, {
    to: PREDEPLOYS.RelayGasPaymaster,
    from: p.from,
    value: p.value ?? GENEROUS_PAYMENT,
    gasLimit: 200_000n,
    data: encodeFunctionData({ abi: paymasterAbi, functionName: 'payForRelay', args: [p.msgHash, p.destination, p.gasLimit] }),
  })
}
