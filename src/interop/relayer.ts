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
 * A block's relays, not yet signed: each is signed with the relayer's nonce when it is its
 * turn in the block, from `nonce` on, and only an included relay spends one (the shape of
 * the sequencer's `RelayPlan`; `sign` throws for a relay that cannot be signed).
 */
export type RelayPlan = { nonce: bigint; relays: { msgHash: Hex; gasLimit: bigint; sign(nonce: bigint): PooledTx }[] }

/**
 * Signs the transactions by which the network relays messages: one
 * `L2ToL2CrossDomainMessenger.relayMessage(id, payload)` per message, with the executing
 * message declared in its access list (as any relayer must), paying the base fee and no
 * tip. Pure given the chain head: the first nonce comes from the relayer's account at the head.
 */
export class Relayer {
  readonly address: Hex
  private readonly key: Uint8Array

  constructor(private readonly options: RelayerOptions) {
    this.key = hexToBytes(options.key)
    this.address = privateKeyToAddress(options.key).toLowerCase() as Hex
  }

  /** The gas limit the relay of `message` asks for. */
  gasLimitOf(message: Pick<TrackedMessage, 'retryGasLimit'>): bigint {
    return message.retryGasLimit ?? this.options.gasLimit ?? DEFAULT_RELAY_GAS_LIMIT
  }

  /** The relays of `messages` on `chain`'s next block, in order (at most `MAX_RELAYS_PER_BLOCK`). */
  async relayPlan(chain: Chain, messages: readonly TrackedMessage[]): Promise<RelayPlan> {
    const account = messages.length === 0 ? undefined : await chain.headAccount(hexToBytes(this.address))
    const baseFee = chain.nextBaseFee()
    const common = sharedTxCommon(chain.common)
    const to = new Address(hexToBytes(PREDEPLOYS.L2ToL2CrossDomainMessenger))
    const relays = messages.slice(0, MAX_RELAYS_PER_BLOCK).map((message): RelayPlan['relays'][number] => {
      const gasLimit = this.gasLimitOf(message)
      return {
        msgHash: message.msgHash,
        gasLimit,
        sign: (nonce) => {
          const accessList = executingMessagesAccessList([{ id: message.id, msgHash: message.payloadHash }])
          const tx = createFeeMarket1559Tx(
            {
              chainId: chain.chainId,
              nonce,
              // The base fee may rise by 1/8 per block; the relay is built for the next one.
              maxFeePerGas: baseFee + baseFee / 8n + 1n,
              maxPriorityFeePerGas: 0n,
              gasLimit,
              to,
              data: hexToBytes(relayMessageCalldata(message.id, message.payload)),
              accessList: accessList.map((e) => ({ address: e.address, storageKeys: e.storageKeys })),
            },
            { common },
          ).sign(this.key)
          return toPooledTx(tx, tx.serialize())
        },
      }
    })
    return { nonce: account?.nonce ?? 0n, relays }
  }
}
