import { randomBytes } from 'node:crypto'
import type { Common } from '@ethereumjs/common'
import { decodeDepositTx } from '../execution/depositTx.js'
import { decodeRawTransaction, decodeWithKnownSender } from '../execution/decodeTx.js'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { PayloadBuilder, SealedDigests, SignedRelay } from '../sequencer/payloadBuilder.js'
import type { RelayOutcome } from '../sequencer/slotBuilder.js'
import { RewindTargetError } from '../storage/chainStore.js'
import type { PeerHandler } from './peer.js'
import {
  decodeAbort,
  decodeBundleLeg,
  decodeCommit,
  decodeFill,
  decodeGetPayload,
  decodeOpen,
  decodeHello,
  decodeRestoreToPool,
  decodeRewind,
  encodeRewound,
  RESTORE_TO_POOL,
  REWIND,
  decodeSettleBundle,
  encodeOpened,
  encodePayload,
  encodeStatus,
  EXECUTOR_HELLO,
  METHODS,
  decodeSendRawTransactions,
  SEND_RAW_TRANSACTIONS,
  type WireSendResult,
  PROTOCOL_VERSION,
  ProtocolVersionError,
  type WireRelay,
  type WireRelayOutcome,
} from './protocol.js'

/** A call for a payload that is not the one open (stale, or never opened): refused, nothing changes. */
export class UnknownPayloadError extends BaseError {
  override name = 'UnknownPayloadError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

export interface ExecutorHostDeps {
  chainId: bigint
  common: Common
  builder: PayloadBuilder
  /** The chain's head block hash (forkchoice: the payload must build on it). */
  headHash(): Hex
}

/**
 * The executor's side of the slot methods: decodes each message (refusing malformed ones
 * with InvalidParams), checks it names the payload in progress, and runs the phase on
 * the chain's `PayloadBuilder`. One payload at a time, as the coordinator drives it.
 */
export function executorHandlers(deps: ExecutorHostDeps): Record<string, PeerHandler> {
  const { builder, common } = deps
  let current: { id: Hex; sealedHash?: Hex } | undefined

  const expect = (id: Hex): void => {
    if (current?.id !== id) throw new UnknownPayloadError(`chain ${deps.chainId}: payload ${id} is not the one in progress (${current?.id ?? 'none'})`)
  }
  const relaysOf = (relays: readonly WireRelay[]): SignedRelay[] => relays.map((r) => ({ msgHash: r.msgHash, ptx: decodeWithKnownSender(r.raw, common, r.sender) }))

  return {
    [METHODS.forkchoiceUpdated]: async (params) => {
      // Without attributes: make `headBlockHash` canonical — commit the prepared block with
      // that hash, or, if it is the head already, drop a block prepared on it.
      if (Array.isArray(params) && params[1] === null) {
        const { headBlockHash } = decodeCommit(params)
        await builder.commitPayload(headBlockHash)
        current = undefined
        return { payloadStatus: { status: 'VALID' } }
      }
      const { headBlockHash, attributes: a } = decodeOpen(params)
      if (headBlockHash !== deps.headHash()) throw new UnknownPayloadError(`chain ${deps.chainId}: the head is ${deps.headHash()}, not ${headBlockHash}`)
      // A new payload replaces one in progress (as in the Engine API): one left behind by a
      // coordinator that was lost or restarted is dropped. Never a prepared one (the slot
      // may have been decided): opening refuses until the coordinator resolves it.
      if (!builder.holdsPrepared()) await builder.abort()
      current = undefined
      const deposits = a.transactions.map((raw, i) => {
        try {
          return decodeDepositTx(raw, common)
        } catch (err) {
          throw new BaseError(`transactions[${i}]: ${(err as Error).message}`, { rpcCode: RpcErrorCode.InvalidParams })
        }
      })
      const opened = await builder.openPayload({
        slot: a.slot,
        timestamp: a.timestamp,
        coinbase: a.suggestedFeeRecipient,
        ...(a.gasLimit !== undefined ? { gasLimit: a.gasLimit } : {}),
        deposits,
        ...(a.l1Fee ? { l1Fee: a.l1Fee } : {}),
        ...(a.maxTxDataBytes !== undefined ? { maxTxDataBytes: a.maxTxDataBytes } : {}),
        ...(a.depositsOnly ? { depositsOnly: true } : {}),
        ...(a.sameSlotReserve ? { sameSlotReserve: a.sameSlotReserve } : {}),
      })
      current = { id: toData(randomBytes(8)) }
      return encodeOpened({ payloadId: current.id, ...opened })
    },
    [METHODS.bundleLeg]: async (params) => {
      const { payloadId, txs } = decodeBundleLeg(params)
      expect(payloadId)
      return builder.applyBundleLeg(txs.map((t) => decodeWithKnownSender(t.raw, common, t.sender)))
    },
    [METHODS.settleBundle]: async (params) => {
      const { payloadId, keep } = decodeSettleBundle(params)
      expect(payloadId)
      await builder.settleBundle(keep)
      return true
    },
    [METHODS.fill]: async (params) => {
      const { payloadId, relays } = decodeFill(params)
      expect(payloadId)
      return (await builder.fill(relaysOf(relays))).map(wireOutcome)
    },
    [METHODS.getPayload]: async (params) => {
      const { payloadId, relays, sealed } = decodeGetPayload(params)
      expect(payloadId)
      const digests: SealedDigests = new Map(sealed.map((d) => [d.chainId, d]))
      const { sealed: block, relays: outcomes } = await builder.sealPayload(relaysOf(relays), digests)
      const w = block.write
      current!.sealedHash = toData(w.hash)
      return encodePayload({ blockHash: current!.sealedHash, header: w.header, body: w.body, receipts: w.receipts, relays: outcomes.map(wireOutcome) })
    },
    [EXECUTOR_HELLO]: async (params) => {
      const { protocolVersion } = decodeHello(params)
      if (protocolVersion !== PROTOCOL_VERSION) throw new ProtocolVersionError(`chain ${deps.chainId}: the coordinator speaks executor protocol ${protocolVersion}, this executor ${PROTOCOL_VERSION}; run the same Plexus version on both`)
      const status = await builder.hello()
      return encodeStatus({ protocolVersion: PROTOCOL_VERSION, chainId: status.chainId, head: status.head, prepared: status.prepared ?? null })
    },
    [REWIND]: async (params) => {
      const { number, dropReason } = decodeRewind(params)
      let rewound
      try {
        rewound = await builder.rewind(number, dropReason)
      } catch (err) {
        // A block above the head (or not canonical) is the caller's mistake, and nothing changed.
        if (err instanceof RewindTargetError) throw new InvalidParamsError(`${REWIND}: chain ${deps.chainId}: ${err.message}`)
        throw err
      }
      return encodeRewound({ ...rewound, removed: rewound.removed.map((p) => ({ hash: p.hash, raw: p.raw, sender: p.sender })) })
    },
    [RESTORE_TO_POOL]: async (params) => {
      // Recovered here, not taken from the coordinator: these enter the pool as if sent again.
      const txs = decodeRestoreToPool(params).map((raw, i) => {
        try {
          return decodeRawTransaction(raw, common)
        } catch (err) {
          throw new InvalidParamsError(`${RESTORE_TO_POOL}: invalid params at 0.${i}: ${(err as Error).message}`)
        }
      })
      await builder.restoreToPool(txs)
      return true
    },
    [METHODS.abort]: async (params) => {
      const { payloadId } = decodeAbort(params)
      // Aborting what is already gone is a no-op: the coordinator may abort after a lost answer.
      if (current?.id !== payloadId) return false
      await builder.abort()
      current = undefined
      return true
    },
  }
}

function wireOutcome(o: RelayOutcome): WireRelayOutcome {
  return { msgHash: o.msgHash, ...(o.ptx ? { hash: o.ptx.hash } : {}), kind: o.kind, ok: o.ok, ...(o.reason !== undefined ? { reason: o.reason.slice(0, 4096) } : {}) }
}

/**
 * The executor's pool intake (`plexus_sendRawTransactions`): a batch, bounded in count and
 * bytes (refused whole with InvalidParams past either), each transaction admitted by
 * `admit` in order and answered alone — its hash, or its JSON-RPC error with geth's code.
 */
export function poolHandlers(admit: (raws: Uint8Array[]) => Promise<PromiseSettledResult<{ hash: Hex }>[]>): Record<string, PeerHandler> {
  return {
    [SEND_RAW_TRANSACTIONS]: async (params): Promise<WireSendResult[]> => {
      const results = await admit(decodeSendRawTransactions(params))
      return results.map((r) => (r.status === 'fulfilled' ? { hash: r.value.hash } : { error: rpcErrorOf(r.reason) }))
    },
  }
}

function rpcErrorOf(err: unknown): { code: number; message: string } {
  const code = err instanceof BaseError && err.rpcCode !== undefined ? err.rpcCode : RpcErrorCode.Internal
  return { code, message: ((err as Error)?.message ?? String(err)).slice(0, 4096) }
}
