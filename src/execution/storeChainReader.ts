import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { Logger } from '../primitives/logger.js'
import { BaseError, CorruptionError } from '../primitives/errors.js'
import { toData } from '../primitives/hex.js'
import type { ChainStore } from '../storage/chainStore.js'
import { baseFeeParamsOf } from './baseFee.js'
import { createChainCommon, type GethGenesis } from './genesis.js'
import { StoredChainView } from './storedChainView.js'

/** The store holds no chain yet: its writer has not opened it (written genesis). */
export class ChainNotWrittenError extends BaseError {
  override name = 'ChainNotWrittenError'
}

/**
 * A `ChainReader` (and `ChainCaller`) over a `ChainStore` that another thread or process
 * writes: the chain's executor commits blocks to the LMDB environment, and this thread
 * opens the same environment and reads it, never writing. LMDB readers see a commit
 * whole or not at all, and the writer commits a block with its receipts, indexes,
 * state and head in one transaction, so a head this reader takes is always readable.
 *
 * It moves only in `advance()`, which the writer's announcement of a commit or a rewind
 * triggers: until then it answers for the head it last announced, exactly as `Chain`
 * would at that head (the read paths are `Chain`'s: `StoredChainView`). State at older
 * roots comes from the trie, which is content-addressed and never pruned, so another
 * thread's commits cannot change an answer.
 */
export class StoreChainReader extends StoredChainView {
  private head: BlockHeader
  private advancing = false
  private again = false

  private constructor(store: ChainStore, common: Common, genesis: GethGenesis, headHash: Uint8Array, logger: Logger) {
    super(store, common, baseFeeParamsOf(genesis), logger)
    this.head = this.storedHeader(headHash)
  }

  /**
   * A reader of the chain `genesis` configures in `store`, at the store's head. Refuses a
   * store its writer has not opened yet (`ChainNotWrittenError`: open the reader after the
   * writer says it is up) and one that holds another chain.
   */
  static open(store: ChainStore, genesis: GethGenesis, logger: Logger): StoreChainReader {
    store.latestReads()
    store.checkSchema()
    const headHash = store.headHash()
    if (headHash === undefined) {
      throw new ChainNotWrittenError('the chain store holds no chain yet', {
        details: 'open the reader after the chain\'s writer has opened the store (it writes genesis then)',
      })
    }
    const common = createChainCommon(genesis)
    const storedChainId = store.storedChainId()
    if (storedChainId !== common.chainId()) {
      throw new CorruptionError(`the chain store holds chain ${storedChainId}, but the reader is for chain ${common.chainId()}`)
    }
    return new StoreChainReader(store, common, genesis, headHash, logger)
  }

  headHeader(): BlockHeader {
    return this.head
  }

  /**
   * Follows the store to its newest head: on a commit, every new canonical block is
   * announced (`onBlock`, with its receipts) in order; when the head moved back, the
   * rewind is announced first (`onRewind`: the newest block both chains share, the
   * removed blocks oldest first), then the blocks committed since. What `Chain` would
   * have announced for the same writes, merged over however many commits happened since
   * the last call. Synchronous: the listeners run inside. A call from a listener is
   * folded into the running one.
   */
  advance(): void {
    if (this.advancing) {
      this.again = true
      return
    }
    this.advancing = true
    try {
      do {
        this.again = false
        this.store.latestReads()
        this.follow()
      } while (this.again)
    } finally {
      this.advancing = false
    }
  }

  private follow(): void {
    const headHash = this.store.headHash()
    if (headHash === undefined) throw new CorruptionError('the chain store lost its head')
    if (equal(headHash, this.head.hash())) return
    const target = this.storedHeader(headHash)
    // The newest block of ours the store's canonical chain still holds.
    const removed: Block[] = []
    let fork = this.head
    while (fork.number > target.number || !this.storeHolds(fork)) {
      removed.push(this.storedBlock(fork.hash()))
      fork = this.storedHeader(fork.parentHash)
    }
    if (removed.length > 0) {
      this.head = fork
      // Oldest first, as `Chain` announces them.
      this.announceRewind(fork, removed.reverse())
    }
    for (let n = fork.number + 1n; n <= target.number; n++) {
      const hash = this.store.canonicalHash(n)
      const block = hash && this.getBlockByHash(hash)
      const receipts = hash && this.getReceipts(hash)
      if (!block || !receipts) throw new CorruptionError(`canonical block ${n} is missing from the chain store`)
      // A listener may have let a newer snapshot in (its own writes to this environment):
      // a chain that no longer extends ours is followed again from the top.
      if (!equal(block.header.parentHash, this.head.hash())) {
        this.again = true
        return
      }
      this.head = block.header
      this.announceBlock(block, receipts)
    }
  }

  /** The flat tables, when they are at `stateRoot`, the store's head is ours and flat tracks it. */
  protected flatAt(stateRoot: Uint8Array): boolean {
    if (!equal(stateRoot, this.head.stateRoot) || !this.storeAtHead()) return false
    const flatRoot = this.store.flatRoot()
    return flatRoot !== undefined && equal(flatRoot, stateRoot)
  }

  private storedHeader(hash: Uint8Array): BlockHeader {
    const header = this.getHeaderByHash(hash)
    if (!header) throw new CorruptionError(`block ${toData(hash)} is missing from the chain store`)
    return header
  }

  private storedBlock(hash: Uint8Array): Block {
    const block = this.getBlockByHash(hash)
    if (!block) throw new CorruptionError(`block ${toData(hash)} is missing from the chain store`)
    return block
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
