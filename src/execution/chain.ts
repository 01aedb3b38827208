import { Block, createBlock, createBlockHeader, createBlockHeaderFromRLP, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Account, Address, KECCAK256_RLP, createAddressFromString } from '@ethereumjs/util'
import { createVM, runBlock, type VM } from '@ethereumjs/vm'
import type { Logger } from '../primitives/logger.js'
import { CorruptionError } from '../primitives/errors.js'
import { keccak256, sha256 } from '../primitives/crypto.js'
import { toData } from '../primitives/hex.js'
import { RewindTargetError, type BlockWrite, type ChainStore, type PreparedBlock } from '../storage/chainStore.js'
import type { FlatStateDiff } from '../storage/flatState.js'
import { EMPTY_NODE_READER, TrieNodeDB } from '../storage/trieNodeDB.js'
import { baseFeeParamsOf, DEFAULT_INITIAL_BASE_FEE } from './baseFee.js'
import { createChainCommon, genesisNumber, type GethGenesis } from './genesis.js'
import { decodeReceipt, encodeBlockReceipts, packReceipts, unpackReceipts, type StoredReceipt } from './receipts.js'
import type { DepositTransaction } from './depositTx.js'
import type { L1FeeParams } from './l1Fee.js'
import { orderedTrieRoot } from './trieRoot.js'
import { HeadStateManager, createStateTrie } from './stateManager.js'
import { StateTrie } from './stateTrie.js'
import { accumulateParentBeaconBlockRoot, accumulateParentBlockHash } from './systemCalls.js'
import { installJumpdestCache } from './jumpdestCache.js'
import { InvalidBlockError, OpenBlock, type BuiltBlock, type TxSource } from './openBlock.js'
import { decodeStoredBlock, StoredChainView } from './storedChainView.js'

export { InvalidBlockError, OpenBlock, type AddTxResult, type BuildTimings, type BuiltBlock, type SealedBlock, type TxSource } from './openBlock.js'

export interface BuildBlockParams {
  timestamp: bigint
  coinbase: Uint8Array
  /**
   * Deposits that open the block (the L1-info deposit, then L1 deposits), in order. They
   * are always included, whatever their outcome.
   */
  deposits?: readonly DepositTransaction[]
  txs?: TxSource
  /** L1 data-fee parameters: signed transactions pay it (settled chains). */
  l1Fee?: L1FeeParams
  gasLimit?: bigint
  extraData?: Uint8Array
  /**
   * The block's base fee as a dev transaction sets it (anvil_setNextBlockBaseFeePerGas),
   * instead of the EIP-1559 value from the parent: the block is then valid only if its
   * first transaction after the deposits is that dev transaction (`OpenBlock`).
   */
  baseFee?: bigint
  /**
   * Every transaction `txs` offers must be included (replicas re-deriving a batch): one
   * that does not fit or fails validation makes the block invalid (`InvalidBlockError`)
   * instead of being skipped, and nothing is committed.
   */
  strict?: boolean
  /**
   * A protocol check every offered transaction must pass before it runs (interop: its
   * executing messages must point at real initiating messages). Returns why the
   * transaction may not be in this block, or undefined. A failing transaction is dropped
   * like an invalid one; in a strict build it invalidates the block.
   */
  checkTx?: (tx: TypedTransaction) => string | undefined
}

export type { BlockListener, ChainCaller, ChainReader, RewindListener } from './chainReader.js'
export { decodeStoredBlock } from './storedChainView.js'

const EMPTY_REQUESTS_HASH_INPUT = new Uint8Array(0)

/**
 * One chain's execution state: the head, the state manager over storage, and the
 * VM. It builds blocks (our own `runTx` loop; roots computed once per block) and
 * imports foreign ones (ethereumjs `runBlock`, which checks every root), and commits
 * each in one storage transaction. Calls are serialized by the caller (the sequencer or
 * importer). Readers (RPC, settlement, the message tracker) see it as a `ChainReader`
 * (committed data only) and, for calls, a `ChainCaller`; its store is private, so no
 * reader can reach past them into the tables.
 */
export class Chain extends StoredChainView {
  private head: BlockHeader
  private state!: HeadStateManager
  private _vm!: VM
  /** Whether the flat tables hold exactly the head state (false only after a repair rewind). */
  flatReadable = true

  private constructor(
    store: ChainStore,
    readonly genesis: GethGenesis,
    private readonly trieDB: TrieNodeDB,
    common: Common,
    head: BlockHeader,
    logger: Logger,
  ) {
    super(store, common, baseFeeParamsOf(genesis), logger)
    this.head = head
  }

  /** Opens the chain in `store`, writing genesis on first use and checking it after. */
  static async open(store: ChainStore, genesis: GethGenesis, logger: Logger): Promise<Chain> {
    await installJumpdestCache()
    store.checkSchema()
    const common = createChainCommon(genesis)
    const trieDB = new TrieNodeDB(store.tables.trie)
    const chainId = common.chainId()
    const storedChainId = store.storedChainId()
    if (storedChainId !== undefined && storedChainId !== chainId) {
      throw new CorruptionError(`datadir holds chain ${storedChainId}, but the configuration is for chain ${chainId}`, {
        details: 'use another --datadir, or the matching chain id',
      })
    }

    let headHeader: BlockHeader
    const headHash = store.headHash()
    if (headHash === undefined) {
      headHeader = await writeGenesis(store, trieDB, common, genesis)
    } else {
      const genesisHeader = await genesisHeaderFor(common, genesis)
      const storedGenesis = store.genesisHash()
      if (!storedGenesis || !equal(storedGenesis, genesisHeader.hash())) {
        throw new CorruptionError(
          `datadir genesis ${storedGenesis ? toData(storedGenesis) : 'missing'} does not match the configured genesis ${toData(genesisHeader.hash())}`,
          { details: 'the genesis (chain id, alloc, gas limit, timestamp) changed since this datadir was created; use a new --datadir' },
        )
      }
      headHeader = repairHead(store, common, headHash, logger)
    }

    const chain = new Chain(store, genesis, trieDB, common, headHeader, logger)
    await chain.resetToHead()
    const flatRoot = store.flatRoot()
    chain.flatReadable = flatRoot !== undefined && equal(flatRoot, headHeader.stateRoot)
    if (!chain.flatReadable) {
      logger.warn('flat state tables do not match the head (repaired datadir): serving head state from the trie')
    }
    return chain
  }

  headHeader(): BlockHeader {
    return this.head
  }

  /** The VM over the head state (block building and import only). */
  get vm(): VM {
    return this._vm
  }

  /**
   * Whether this node can build the next block: only under proof-of-stake rules (a
   * rollup sequencer has no PoW/PoA seal to make). Imported pre-merge chains are served
   * read-only until their schedule reaches the merge.
   */
  canBuildNext(): boolean {
    const common = this.common.copy()
    common.setHardforkBy({ blockNumber: this.head.number + 1n, timestamp: BigInt(Math.floor(Date.now() / 1000)) })
    return common.consensusType() === 'pos'
  }

  // ---- building -----------------------------------------------------------------

  /**
   * Builds a block on the head from `params` and commits it: deposits, then what
   * `params.txs` offers (see `OpenBlock.fill`), then roots and one storage transaction.
   */
  async buildBlock(params: BuildBlockParams): Promise<BuiltBlock> {
    const open = await this.openBlock(params)
    try {
      if (params.txs) await open.fill(params.txs, { strict: params.strict, checkTx: params.checkTx })
    } catch (err) {
      await open.abandon()
      throw err
    }
    return open.seal()
  }

  /**
   * Starts a block on the head and runs its system calls and deposits; transactions are
   * then added one at a time (`OpenBlock.addTx`, `fill`), under checkpoints a caller can
   * revert (a cross-chain bundle is all or nothing), until `seal` commits it or `abandon`
   * drops it. While a block is open nothing else may build, import or rewind on this chain.
   */
  async openBlock(params: Omit<BuildBlockParams, 'txs' | 'strict' | 'checkTx'>): Promise<OpenBlock> {
    const parent = this.head
    const number = parent.number + 1n
    const common = this.common
    common.setHardforkBy({ blockNumber: number, timestamp: params.timestamp })
    const gasLimit = params.gasLimit ?? parent.gasLimit
    if (params.baseFee !== undefined && !common.isActivatedEIP(1559)) {
      throw new InvalidBlockError(`block ${number}: a base fee set by a dev transaction, but the block is before London (it has no base fee)`)
    }
    const headerFields = {
      parentHash: parent.hash(),
      number,
      timestamp: params.timestamp,
      gasLimit,
      coinbase: new Address(params.coinbase),
      extraData: params.extraData ?? new Uint8Array(0),
      difficulty: 0n,
      // Derived from the parent so every block has a distinct, reproducible PREVRANDAO.
      mixHash: keccak256(parent.hash()),
      ...(common.isActivatedEIP(1559) ? { baseFeePerGas: params.baseFee ?? this.nextBaseFee() } : {}),
      ...(common.isActivatedEIP(4895) ? { withdrawalsRoot: KECCAK256_RLP } : {}),
      ...(common.isActivatedEIP(4844) ? { blobGasUsed: 0n, excessBlobGas: parent.calcNextExcessBlobGas(common) } : {}),
      ...(common.isActivatedEIP(4788) ? { parentBeaconBlockRoot: new Uint8Array(32) } : {}),
      ...(common.isActivatedEIP(7685) ? { requestsHash: sha256(EMPTY_REQUESTS_HASH_INPUT) } : {}),
    }
    const vm = this.vm
    const open = new OpenBlock(vm, headerFields, params.l1Fee, params.baseFee !== undefined, {
      prepare: (block, receipts) => this.prepare(block, receipts),
      commit: (block, write, receipts) => this.commitPrepared(block, write, receipts),
      reset: () => this.resetToHead(),
      stateRoot: () => this.state.getStateRoot(),
    })
    await vm.evm.journal.checkpoint()
    try {
      if (common.isActivatedEIP(4788)) await accumulateParentBeaconBlockRoot(vm, new Uint8Array(32), params.timestamp)
      if (common.isActivatedEIP(2935)) await accumulateParentBlockHash(vm, number, parent.hash())
      for (const deposit of params.deposits ?? []) await open.addDeposit(deposit)
    } catch (err) {
      await this.resetToHead()
      throw err
    }
    return open
  }

  // ---- importing ----------------------------------------------------------------

  /**
   * Executes a foreign block on the head under the chain's hardfork schedule and
   * commits it if every root matches (state, transactions, receipts, bloom, gas).
   */
  async importBlock(block: Block): Promise<void> {
    const parent = this.head
    if (block.header.number !== parent.number + 1n || !equal(block.header.parentHash, parent.hash())) {
      throw new InvalidBlockError(
        `block ${block.header.number} does not extend the head ${parent.number} (${toData(parent.hash())})`,
      )
    }
    const txRoot = orderedTrieRoot(block.transactions.map((t) => t.serialize()))
    if (!equal(txRoot, block.header.transactionsTrie)) {
      throw new InvalidBlockError(
        `block ${block.header.number} (${toData(block.hash())}): transactions root mismatch: computed ${toData(txRoot)}, header has ${toData(block.header.transactionsTrie)}`,
      )
    }
    if (!block.uncleHashIsValid()) throw new InvalidBlockError(`block ${block.header.number}: uncle hash mismatch`)
    let result
    try {
      result = await runBlock(this.vm, {
        block,
        setHardfork: true,
        skipHeaderValidation: true,
        skipHardForkValidation: true,
        clearCache: false,
      })
    } catch (err) {
      await this.resetToHead()
      throw new InvalidBlockError(`block ${block.header.number} (${toData(block.hash())}) is invalid: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const encodedReceipts = encodeBlockReceipts(result.receipts.map((receipt, i) => ({ receipt, type: block.transactions[i]!.type })))
    const { write, receipts } = await this.prepare(block, encodedReceipts)
    this.commitPrepared(block, write, receipts)
  }

  /**
   * Writes a block prepared before (by this chain, its prepared record after a crash) on
   * the head: the write carries the block's state changes, so nothing is executed. The
   * block must extend the head.
   */
  async applyWrite(write: BlockWrite): Promise<Block> {
    if (write.number !== this.head.number + 1n || !equal(write.parentHash, this.head.hash())) {
      throw new InvalidBlockError(`block ${write.number} does not extend the head ${this.head.number} (${toData(this.head.hash())})`)
    }
    const block = decodeStoredBlock(write.header, write.body, this.common)
    const receipts = unpackReceipts(write.receipts)
    this.commitPrepared(block, write, receipts)
    // The state manager still holds the old head's state.
    await this.resetToHead()
    return block
  }

  // ---- prepared block (two-phase commit of a slot; see ChainStore.prepareBlock) ---

  /** Records a sealed block as prepared for `slot`, durably; committing it (`applyWrite`, or the sealed block's `commit`) clears the record in the same transaction. */
  prepareBlock(slot: bigint, write: BlockWrite): void {
    this.store.prepareBlock(slot, write)
  }

  /** The block prepared and neither committed nor dropped, if any. */
  preparedBlock(): PreparedBlock | undefined {
    return this.store.preparedBlock()
  }

  hasPreparedBlock(): boolean {
    return this.store.hasPreparedBlock()
  }

  dropPrepared(): void {
    this.store.dropPrepared()
  }

  // ---- rewinding ----------------------------------------------------------------

  /**
   * Unwinds the chain to its block `number`, for when the L1 blocks that the blocks
   * above were derived from were reorged away. Storage undoes them in one transaction
   * (see `ChainStore.rewindTo`); the state manager and VM restart over block `number`'s
   * state root, whose trie nodes are still stored (they are never pruned). Returns the
   * removed blocks oldest first — each sender's transactions in nonce order, as a pool
   * re-adds them (deposits among them come from L1 again, not from a pool) — and tells
   * the `onRewind` listeners. Rewinding to the head (the only target on a genesis-only
   * chain) removes nothing and tells no one. Serialized with building and importing by
   * the caller, like them.
   */
  async rewindTo(number: bigint): Promise<Block[]> {
    const head = this.head
    if (number < 0n || number > head.number) {
      throw new RewindTargetError(`cannot rewind to block ${number}: the head is block ${head.number}`)
    }
    if (number === head.number) return []
    const removed: Block[] = []
    for (let n = number + 1n; n <= head.number; n++) removed.push(this.canonicalBlock(n))
    const target = this.canonicalBlock(number).header
    this.store.rewindTo(number, target.stateRoot, this.flatReadable)
    this.head = target
    await this.resetToHead()
    this.announceRewind(target, removed)
    return removed
  }

  private canonicalBlock(number: bigint): Block {
    const block = this.getBlockByNumber(number)
    if (!block) throw new CorruptionError(`canonical block ${number} is missing from storage`)
    return block
  }

  /**
   * A fresh state manager and VM over the head's state root, dropping everything not
   * committed: after a block was abandoned (the old ones may hold an unbalanced journal
   * after an exception) or the head moved back.
   */
  private async resetToHead(): Promise<void> {
    this.trieDB.discard()
    this.state = new HeadStateManager(this.common, new StateTrie(this.trieDB, this.head.stateRoot))
    this._vm = await createVM({
      common: this.common,
      stateManager: this.state,
      blockchain: this.blockchain() as never,
    })
  }

  /**
   * Takes the block's state changes out of the state manager and the trie overlay and
   * encodes everything committing it writes. Nothing is written: the head does not move.
   */
  private async prepare(block: Block, encodedReceipts: Uint8Array[]): Promise<{ write: BlockWrite; receipts: StoredReceipt[] }> {
    const flat: FlatStateDiff = await this.state.takeFlatDiff()
    const trieNodes = this.trieDB.drain()
    const raw = block.raw()
    const logKeys = new Map<string, Uint8Array>()
    const receipts = encodedReceipts.map(decodeReceipt)
    for (const receipt of receipts) {
      for (const [address, topics] of receipt.logs) {
        logKeys.set(toData(address), address)
        for (const t of topics) logKeys.set(toData(t), t)
      }
    }
    const write: BlockWrite = {
      hash: block.hash(),
      number: block.header.number,
      parentHash: block.header.parentHash,
      stateRoot: block.header.stateRoot,
      header: block.header.serialize(),
      body: RLP.encode(raw.slice(1) as never),
      receipts: packReceipts(encodedReceipts),
      txHashes: block.transactions.map((t) => t.hash()),
      logKeys: [...logKeys.values()],
      trieNodes,
      flat,
    }
    return { write, receipts }
  }

  /** Writes a prepared block in one storage transaction, makes it the head and tells the listeners. */
  private commitPrepared(block: Block, write: BlockWrite, receipts: StoredReceipt[]): void {
    this.store.commitBlock(write, this.flatReadable)
    this.head = block.header
    this.announceBlock(block, receipts)
  }

  // ---- reads (committed data only: StoredChainView) ---------------------------------

  protected flatAt(stateRoot: Uint8Array): boolean {
    return this.flatReadable && equal(stateRoot, this.head.stateRoot)
  }

  // The writer: the store's canonical chain and head are this chain's own, so the checks a
  // reader of another thread's store needs (StoreChainReader) cost reads here for nothing.
  protected override storeHolds(): boolean {
    return true
  }

  protected override storeAtHead(): boolean {
    return true
  }

  /** Head-state account: one LMDB read from the flat table (the trie if flat is behind). */
  async headAccount(address: Uint8Array): Promise<Account | undefined> {
    return this.accountAt(this.head.stateRoot, address)
  }

  /** Head-state storage slot (minimal bytes; empty when unset). */
  async headStorage(address: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    return this.storageAt(this.head.stateRoot, address, slot)
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

/** Hash of the genesis block `genesis` describes (executes its alloc in memory). */
export async function genesisBlockHash(genesis: GethGenesis): Promise<Uint8Array> {
  return (await genesisHeaderFor(createChainCommon(genesis), genesis)).hash()
}

async function genesisHeaderFor(common: Common, genesis: GethGenesis): Promise<BlockHeader> {
  const { header } = await genesisState(common, genesis)
  return header
}

/** Executes the genesis alloc on an empty in-memory overlay and builds the genesis header. */
async function genesisState(
  common: Common,
  genesis: GethGenesis,
  trieDB?: TrieNodeDB,
): Promise<{ header: BlockHeader; state: HeadStateManager }> {
  common.setHardforkBy({ blockNumber: 0n, timestamp: genesisNumber(genesis.timestamp) })
  const db = trieDB ?? new TrieNodeDB(EMPTY_NODE_READER)
  const state = new HeadStateManager(common, createStateTrie(db, undefined))
  await state.checkpoint()
  for (const [addr, acct] of Object.entries(genesis.alloc)) {
    const address = createAddressFromString(addr.startsWith('0x') ? addr : `0x${addr}`)
    await state.putAccount(address, new Account(genesisNumber(acct.nonce), genesisNumber(acct.balance)))
    if (acct.code && acct.code !== '0x') await state.putCode(address, Buffer.from(acct.code.replace(/^0x/, ''), 'hex'))
    for (const [slot, value] of Object.entries(acct.storage ?? {})) {
      const key = Buffer.from(slot.replace(/^0x/, '').padStart(64, '0'), 'hex')
      const v = Buffer.from(value.replace(/^0x/, '').padStart(64, '0'), 'hex')
      await state.putStorage(address, key, stripZeros(v))
    }
  }
  await state.commit()
  const stateRoot = await state.getStateRoot()
  const header = createBlockHeader(
    {
      number: 0n,
      parentHash: genesis.parentHash ? Buffer.from(genesis.parentHash.slice(2), 'hex') : new Uint8Array(32),
      timestamp: genesisNumber(genesis.timestamp),
      gasLimit: genesisNumber(genesis.gasLimit),
      extraData: Buffer.from((genesis.extraData ?? '0x').replace(/^0x/, ''), 'hex'),
      difficulty: genesisNumber(genesis.difficulty),
      nonce: Buffer.from(genesisNumber(genesis.nonce).toString(16).padStart(16, '0'), 'hex'),
      mixHash: genesis.mixHash ? Buffer.from(genesis.mixHash.slice(2), 'hex') : new Uint8Array(32),
      coinbase: genesis.coinbase ? createAddressFromString(genesis.coinbase) : new Address(new Uint8Array(20)),
      stateRoot,
      ...(common.isActivatedEIP(1559) ? { baseFeePerGas: genesisNumber(genesis.baseFeePerGas, DEFAULT_INITIAL_BASE_FEE) } : {}),
      ...(common.isActivatedEIP(4844)
        ? { excessBlobGas: genesisNumber(genesis.excessBlobGas), blobGasUsed: genesisNumber(genesis.blobGasUsed) }
        : {}),
      ...(common.isActivatedEIP(4788) ? { parentBeaconBlockRoot: new Uint8Array(32) } : {}),
      ...(common.isActivatedEIP(7685) ? { requestsHash: sha256(EMPTY_REQUESTS_HASH_INPUT) } : {}),
    },
    { common, skipConsensusFormatValidation: true },
  )
  return { header, state }
}

async function writeGenesis(store: ChainStore, trieDB: TrieNodeDB, common: Common, genesis: GethGenesis): Promise<BlockHeader> {
  const { header, state } = await genesisState(common, genesis, trieDB)
  const block = createBlock(
    { header, transactions: [], ...(common.isActivatedEIP(4895) ? { withdrawals: [] } : {}) },
    { common, skipConsensusFormatValidation: true },
  )
  const flat = await state.takeFlatDiff()
  store.commitGenesis(
    {
      hash: block.hash(),
      number: 0n,
      parentHash: header.parentHash,
      stateRoot: header.stateRoot,
      header: header.serialize(),
      body: RLP.encode(block.raw().slice(1) as never),
      receipts: packReceipts([]),
      txHashes: [],
      logKeys: [],
      trieNodes: trieDB.drain(),
      flat,
    },
    common.chainId(),
  )
  return header
}

/**
 * Start-up consistency: the head must have header, body, receipts and its state root
 * in the trie store. Blocks are committed atomically, so this only fails on outside
 * damage; then we rewind to the newest whole ancestor.
 */
function repairHead(store: ChainStore, common: Common, headHash: Uint8Array, logger: Logger): BlockHeader {
  let hash: Uint8Array | undefined = headHash
  let rewound = 0
  while (hash) {
    const headerRlp = store.getHeaderRlp(hash)
    if (headerRlp) {
      const header = createBlockHeaderFromRLP(headerRlp, { common, setHardfork: true })
      const whole =
        store.getBodyRlp(hash) !== undefined &&
        store.getReceiptsRlp(hash) !== undefined &&
        (equal(header.stateRoot, KECCAK256_RLP) || store.getTrieNode(header.stateRoot) !== undefined)
      if (whole) {
        if (rewound > 0) {
          logger.warn({ rewound, head: header.number.toString() }, 'rewound head to the newest whole block')
          store.setHead(hash, header.number, header.number + BigInt(rewound))
        }
        return header
      }
      hash = header.parentHash
    } else {
      break
    }
    rewound++
  }
  throw new CorruptionError('no whole block found from the stored head back to genesis', {
    details: 'the datadir is damaged; start from a fresh --datadir',
  })
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  return b.subarray(i)
}
