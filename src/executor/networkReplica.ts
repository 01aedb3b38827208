import { existsSync } from 'node:fs'
import path from 'node:path'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Chain } from '../execution/chain.js'
import type { ChainReader } from '../execution/chainReader.js'
import { createChainCommon } from '../execution/genesis.js'
import { ChainNotWrittenError, StoreChainReader } from '../execution/storeChainReader.js'
import { ChainsView } from '../interop/chainsView.js'
import { interopAdmissionCheck, interopCheckTx } from '../interop/slotRules.js'
import type { Logger } from '../primitives/logger.js'
import type { CheckTxFor } from '../sequencer/payloadBuilder.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import type { NetworkChainData } from './workerData.js'

/** LMDB's data file in a chain's datadir: no file, no chain written there yet. */
const DATA_FILE = 'data.mdb'

/**
 * An executor's replica of the network's log index: its own chain, plus a
 * `StoreChainReader` over every other chain's store (on this machine, written by that
 * chain's executor), in one `ChainsView`. Transactions are checked against it with the
 * coordinator's own rule (`interopCheckTx`), so an executor refuses exactly what the
 * coordinator would, for the same reason.
 *
 * Fresh by `advance()`: every reader follows its store to the newest commit. Called when
 * a payload opens (every chain commits slot N before slot N+1 opens, so the view then
 * holds every earlier slot; same-slot logs come in through `sealed`) and before the pool
 * admits a batch. A chain whose store is not written yet (its executor has not opened
 * it) is opened at a later `advance()`; until then it is outside the dependency set. A
 * reader that cannot follow its store (the store went missing, is corrupt) keeps the
 * head it had and is logged: its chain's later blocks are unknown to the check, which
 * then refuses messages from them rather than failing the worker.
 */
export class NetworkReplica {
  readonly view: ChainsView
  private readonly chains = new Map<bigint, ChainReader>()
  private readonly readers = new Map<bigint, { reader: StoreChainReader; store: ChainStore }>()
  /** Chains named but not open yet (their store is not written). */
  private readonly pending = new Map<bigint, NetworkChainData>()
  private readonly genesisSlots = new Map<bigint, bigint>()
  /** Readers whose last `advance` failed: logged once until it works again. */
  private readonly failing = new Set<bigint>()
  private readonly check: ReturnType<typeof interopCheckTx>
  private closed = false

  constructor(
    private readonly own: Chain,
    ownGenesisSlot: bigint,
    private readonly logger: Logger,
  ) {
    this.chains.set(own.chainId, own)
    this.genesisSlots.set(own.chainId, ownGenesisSlot)
    this.view = new ChainsView(() => this.chains, (chainId) => this.genesisSlots.get(chainId) ?? 0n)
    this.check = interopCheckTx(this.view)
  }

  /**
   * The network's chains (the coordinator's list): a reader is opened for each one not
   * known yet; the own chain and chains already known are skipped (a chain's genesis and
   * genesis slot never change).
   */
  add(chains: readonly NetworkChainData[]): void {
    for (const c of chains) {
      const chainId = createChainCommon(c.genesis).chainId()
      if (chainId === this.own.chainId || this.chains.has(chainId) || this.pending.has(chainId)) continue
      this.genesisSlots.set(chainId, c.genesisSlot)
      this.pending.set(chainId, c)
    }
    this.openPending()
  }

  /** Every reader follows its store to the newest commit; chains not written yet are tried again. */
  advance(): void {
    this.openPending()
    for (const [chainId, { reader }] of this.readers) {
      try {
        reader.advance()
        this.failing.delete(chainId)
      } catch (err) {
        if (!this.failing.has(chainId)) this.logger.error({ err, chainId: chainId.toString() }, 'cannot follow another chain\'s store: its later blocks are unknown to interop checks')
        this.failing.add(chainId)
      }
    }
  }

  /** The block check of the own chain (the payload builder's `checkTx`). */
  readonly checkTx: CheckTxFor = (block, sealed) => this.check(this.own.chainId, block, sealed)

  /**
   * The pool's admission check: a transaction's executing messages must be valid in the
   * chain's next block, at `now` (seconds) or the head's timestamp if later.
   */
  admissionCheck(now: bigint): (tx: TypedTransaction) => string | undefined {
    return interopAdmissionCheck(this.view, this.own.chainId, this.own.headHeader(), now)
  }

  /** The chains in the view (own included), ascending. */
  chainIds(): bigint[] {
    return [...this.chains.keys()]
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const { store } of this.readers.values()) await store.close().catch(() => undefined)
    this.readers.clear()
  }

  private openPending(): void {
    if (this.closed) return
    for (const [chainId, c] of this.pending) {
      // Opening an environment creates its files: wait until the chain's executor did.
      if (!existsSync(path.join(c.datadir, DATA_FILE))) continue
      const store = new ChainStore(openDatabase(c.datadir))
      try {
        const reader = StoreChainReader.open(store, c.genesis, this.logger.child({ module: 'network-reader', chainId: chainId.toString() }))
        this.readers.set(chainId, { reader, store })
        this.chains.set(chainId, reader)
        this.pending.delete(chainId)
      } catch (err) {
        void store.close().catch(() => undefined)
        if (err instanceof ChainNotWrittenError) continue
        // Another chain's store, or a corrupt one: never read it; the coordinator's list is wrong.
        this.pending.delete(chainId)
        this.logger.error({ err, chainId: chainId.toString(), datadir: c.datadir }, 'cannot read another chain\'s store: its messages are refused')
      }
    }
  }
}
