import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Address } from '@ethereumjs/util'
import type { ChainReader } from '../execution/chainReader.js'
import { toPooledTx } from '../execution/decodeTx.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { sharedTxCommon } from '../execution/txCommon.js'
import { hexToBytes, type Hex } from '../primitives/hex.js'
import { privateKeyToAddress } from 'viem/accounts'
import { executingMessagesAccessList } from './accessList.js'
import { relayMessageCalldata } from './messages.js'
import type { TrackedMessage } from './messageTracker.js'
import { relayTxGasLimit } from './relayPayment.js'

/** Most relays one block carries (the rest wait for the next slot). */
export const MAX_RELAYS_PER_BLOCK = 256

export interface RelayerOptions {
  /** The relayer's key: it signs relay transactions on every chain and pays their gas. */
  key: Hex
}

/**
 * A block's relays, not yet signed: each is signed with the relayer's nonce when it is its
 * turn in the block, from `nonce` on, and only an included relay spends one (the shape of
 * the sequencer's `RelayPlan`; `sign` throws for a relay that cannot be signed).
 */
export type RelayPlan = {
  relays: {
    msgHash: Hex
    gasLimit: bigint
    /** The SentMessage log the relay executes. */
    initiating: { chainId: bigint; blockNumber: bigint; logIndex: number; origin: Hex; payloadHash: Hex }
    sign(nonce: bigint): PooledTx
  }[]
}

/**
 * The call that relays `message` on its destination, for anyone to send: the messenger's
 * `relayMessage(id, payload)` with the executing message declared in the access list
 * (CrossL2Inbox only accepts a relay whose transaction declares it).
 */
export function relayCallOf(message: Pick<TrackedMessage, 'id' | 'payload' | 'payloadHash'>): { to: Hex; data: Hex; accessList: { address: Hex; storageKeys: Hex[] }[] } {
  return {
    to: PREDEPLOYS.L2ToL2CrossDomainMessenger,
    data: relayMessageCalldata(message.id, message.payload),
    accessList: executingMessagesAccessList([{ id: message.id, msgHash: message.payloadHash }]).map((e) => ({ address: e.address as Hex, storageKeys: e.storageKeys as Hex[] })),
  }
}

/**
 * Signs the transactions by which the network relays messages: one
 * `L2ToL2CrossDomainMessenger.relayMessage(id, payload)` per message, with the executing
 * message declared in its access list (as any relayer must), paying the base fee and no
 * tip. The gas limit gives the target the message's relay gas (what its sender paid, or
 * a bridge's allowance; a retry may ask for less) and no more: the transaction's intrinsic
 * gas + the messenger's computed overhead + that gas (`relayTxGasLimit`), within
 * `maxTxGas` (the most one relay may ask for in the block). Pure: the nonces are given at
 * signing, by the slot builder, from the relayer's account as the chain's executor reports it.
 */
export class Relayer {
  readonly address: Hex
  private readonly key: Uint8Array

  constructor(options: RelayerOptions) {
    this.key = hexToBytes(options.key)
    this.address = privateKeyToAddress(options.key).toLowerCase() as Hex
  }

  /** The gas the relay of `message` gives its target: its relay gas, or less if a retry asked for less. */
  callGasOf(message: Pick<TrackedMessage, 'retryGasLimit' | 'relayGas'>): bigint {
    const r = message.retryGasLimit
    return r !== undefined && r < message.relayGas ? r : message.relayGas
  }

  /**
   * The relays of `messages` on `chain`'s next block, in order (at most `MAX_RELAYS_PER_BLOCK`;
   * messages with no relay gas are skipped), none asking for more than `maxTxGas`, priced for
   * the block's `baseFee` (its EIP-1559 value, or a dev network's hand-set one).
   */
  relayPlan(chain: Pick<ChainReader, 'chainId' | 'common'>, messages: readonly TrackedMessage[], maxTxGas: bigint, baseFee: bigint): RelayPlan {
    const common = sharedTxCommon(chain.common)
    const to = new Address(hexToBytes(PREDEPLOYS.L2ToL2CrossDomainMessenger))
    const relays: RelayPlan['relays'] = []
    for (const message of messages) {
      if (relays.length >= MAX_RELAYS_PER_BLOCK) break
      const callGas = this.callGasOf(message)
      if (callGas <= 0n) continue
      const payloadBytes = (message.payload.length - 2) / 2
      const call = relayCallOf(message)
      const fields = {
        chainId: chain.chainId,
        // The base fee may rise by 1/8 per block; the relay is built for the next one.
        maxFeePerGas: baseFee + baseFee / 8n + 1n,
        maxPriorityFeePerGas: 0n,
        to,
        data: hexToBytes(call.data),
        accessList: call.accessList,
      }
      // Intrinsic gas depends on the calldata and access list only, not on the gas limit or nonce.
      const probe = createFeeMarket1559Tx({ ...fields, gasLimit: 0n }, { common })
      const intrinsic = probe.getIntrinsicGas()
      const minimum = probe.getMinimumGasLimit()
      let gasLimit = relayTxGasLimit(intrinsic, minimum, payloadBytes, callGas)
      // More gas than one relay may have in this block: the relay gets what fits (the rest
      // of the budget stays for a retry); a relay that cannot even cover its overhead is left out.
      if (gasLimit > maxTxGas) {
        const fitting = callGas - (gasLimit - maxTxGas)
        if (fitting <= 0n) continue
        gasLimit = relayTxGasLimit(intrinsic, minimum, payloadBytes, fitting)
      }
      relays.push({
        msgHash: message.msgHash,
        gasLimit,
        initiating: { chainId: message.id.chainId, blockNumber: message.id.blockNumber, logIndex: message.id.logIndex, origin: message.id.origin, payloadHash: message.payloadHash },
        sign: (nonce) => {
          const tx = createFeeMarket1559Tx({ ...fields, nonce, gasLimit }, { common }).sign(this.key)
          return toPooledTx(tx, tx.serialize())
        },
      })
    }
    return { relays }
  }
}
