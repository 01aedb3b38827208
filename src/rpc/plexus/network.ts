import type { TrackedMessage } from '../../interop/messageTracker.js'
import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { BundleStatus } from '../../sequencer/bundles.js'
import { MethodNotFoundError } from '../errors.js'
import type { NetworkApi, RpcApi } from '../api.js'

/** The network services, or a clear error on a chain started on its own. */
export function networkOf(api: RpcApi, method: string): NetworkApi {
  if (!api.network) throw new MethodNotFoundError(method, { details: 'this chain runs standalone, not as part of a Plexus network' })
  return api.network
}

/** A message as `plexus_getMessage` / `plexus_getMessagesByTx` report it. */
export function formatMessage(m: TrackedMessage): Record<string, unknown> {
  return {
    msgHash: m.msgHash,
    index: m.index,
    status: m.status,
    source: toQuantity(m.source),
    destination: toQuantity(m.destination),
    nonce: toQuantity(m.nonce),
    sender: m.sender,
    target: m.target,
    message: m.message,
    identifier: {
      origin: m.id.origin,
      blockNumber: toQuantity(m.id.blockNumber),
      logIndex: toQuantity(m.id.logIndex),
      timestamp: toQuantity(m.id.timestamp),
      chainId: toQuantity(m.id.chainId),
    },
    payload: m.payload,
    sourceTx: m.sourceTx,
    destinationTx: m.destinationTx ?? null,
    destinationBlock: m.destinationBlock === undefined ? null : toQuantity(m.destinationBlock),
    failure: m.failure ?? null,
    relayAttempts: toQuantity(m.attempts),
    // What the network relays it with: gas paid on the source chain, and what is left for the
    // next relay (0: the network does not relay it; plexus_relayMessageTx builds a hand relay).
    paidGas: toQuantity(m.paidGas),
    relayGas: toQuantity(m.relayGas),
    autoRelay: m.relayGas > 0n,
  }
}

/** A bundle's status as `plexus_getBundle` reports it. */
export function formatBundle(id: Hex, b: BundleStatus): Record<string, unknown> {
  const failure = (f: { chainId: bigint; hash: Hex; reason: string } | undefined) =>
    f ? { chainId: toQuantity(f.chainId), hash: f.hash, reason: f.reason } : null
  switch (b.status) {
    case 'pending':
      return {
        bundleId: id,
        status: 'pending',
        submittedSlot: toQuantity(b.submittedSlot),
        deadlineSlot: b.deadlineSlot === undefined ? null : toQuantity(b.deadlineSlot),
        lastFailure: failure(b.lastFailure),
      }
    case 'included':
      return {
        bundleId: id,
        status: 'included',
        slot: toQuantity(b.slot),
        txs: b.txs.map((t) => ({ chainId: toQuantity(t.chainId), hash: t.hash, blockNumber: toQuantity(t.blockNumber), blockHash: t.blockHash })),
      }
    case 'rejected':
      return { bundleId: id, status: 'rejected', slot: toQuantity(b.slot), reason: b.reason, failed: failure(b.failed) }
  }
}
