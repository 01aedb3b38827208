import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Address } from '@ethereumjs/util'
import type { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { sharedTxCommon } from '../execution/txCommon.js'
import { hexToBytes, type Hex } from '../primitives/hex.js'
import { privateKeyToAddress } from 'viem/accounts'
import { executingMessagesAccessList } from './accessList.js'
import { relayMessageCalldata } from './messages.js'
import type { TrackedMessage } from './messageTracker.js'

/** Gas limit of a relay transaction unless a retry asks for more. */
export const DEFAULT_RELAY_GAS_LIMIT = 500_000n
/** Most relays one block carries (the rest wait for the next slot). */
export const MAX_RELAYS_PER_BLOCK = 256

export interface RelayerOptions {
  /** The relayer's key: it signs relay transactions on every chain and pays their gas. */
  key: Hex
  gasLimit?: bigint
}

/**
 * Signs the transactions by which the network relays messages: one
 * `L2ToL2CrossDomainMessenger.relayMessage(id, payload)` per message, with the executing
 * message declared in its access list (as any relayer must), paying the base fee and no
 * tip. Pure given the chain head: the nonce comes from the relayer's account at the head.
 */
export class Relayer {
  readonly address: Hex
  private readonly key: Uint8Array

  constructor(private readonly options: RelayerOptions) {
    this.key = hexToBytes(options.key)
    this.address = privateKeyToAddress(options.key).toLowerCase() as Hex
  }

  /** Relay transactions for `messages` on `chain`'s next block, in order. */
  async relayTxs(chain: Chain, messages: readonly TrackedMessage[]): Promise<{ message: TrackedMessage; ptx: PooledTx }[]> {
    if (messages.length === 0) return []
    const account = await chain.headAccount(hexToBytes(this.address))
    let nonce = account?.nonce ?? 0n
    const baseFee = chain.nextBaseFee()
    const common = sharedTxCommon(chain.common)
    const to = new Address(hexToBytes(PREDEPLOYS.L2ToL2CrossDomainMessenger))
    return messages.slice(0, MAX_RELAYS_PER_BLOCK).map((message) => {
      const accessList = executingMessagesAccessList([{ id: message.id, msgHash: message.payloadHash }])
      const tx = createFeeMarket1559Tx(
        {
          chainId: chain.chainId,
          nonce: nonce++,
          // The base fee may rise by 1/8 per block; the relay is built for the next one.
          maxFeePerGas: baseFee + baseFee / 8n + 1n,
          maxPriorityFeePerGas: 0n,
          gasLimit: message.retryGasLimit ?? this.options.gasLimit ?? DEFAULT_RELAY_GAS_LIMIT,
          to,
          data: hexToBytes(relayMessageCalldata(message.id, message.payload)),
          accessList: accessList.map((e) => ({ address: e.address, storageKeys: e.storageKeys })),
        },
        { common },
      ).sign(this.key)
      return { message, ptx: toPooledTx(tx, tx.serialize()) }
    })
  }
}
