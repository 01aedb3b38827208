import type { TypedTransaction } from '@ethereumjs/tx'
import { Chain } from '../execution/chain.js'
import { decodeRawTransactionOffThread } from '../execution/decodeTx.js'
import type { GethGenesis } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { SenderRecovery } from '../execution/senderRecovery.js'
import { initCrypto } from '../primitives/crypto.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import type { Hex } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import { chainPool } from '../sequencer/txpool/chainPool.js'
import { replayJournal, type TxPool, type TxPoolOptions } from '../sequencer/txpool/index.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'

export interface OpenChainOptions {
  datadir: string
  genesis: GethGenesis
  /** Gas limit of produced blocks (default: the head's). */
  gasLimit?: bigint
  txpool?: Partial<TxPoolOptions>
  logger: Logger
  /** Sender recovery threads (default `SenderRecovery`'s). */
  recoveryThreads?: number
}

/** One chain's state as its executor holds it: storage, the chain, its pool (journal replayed), sender recovery. */
export interface OpenedChain {
  store: ChainStore
  chain: Chain
  pool: TxPool
  recovery: SenderRecovery
  /** Stops sender recovery and closes the store; idempotent. */
  close(): Promise<void>
}

/**
 * Opens a chain the way every executor of it does — a `PlexusNode` in this thread or an
 * executor worker (`worker.ts`): the store, the chain on it, its pool with the journal,
 * sender recovery, and the journal replayed before anything else can reach the pool (so
 * what was acknowledged before a stop is pooled again first and its senders' next nonces
 * follow it). A failure part way closes what was opened, so the datadir is free again.
 */
export async function openChain(options: OpenChainOptions): Promise<OpenedChain> {
  const { logger } = options
  await initCrypto()
  const store = new ChainStore(openDatabase(options.datadir))
  let recovery: SenderRecovery | undefined
  let closed: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await recovery?.stop()
      await store.close()
    })())
  try {
    const chain = await Chain.open(store, options.genesis, logger.child({ module: 'chain' }))
    logger.info({ chainId: chain.chainId.toString(), head: chain.headHeader().number.toString(), datadir: options.datadir }, 'chain opened')
    const journal = store.txJournal
    const pool = chainPool(chain, { gasLimit: options.gasLimit, logger: logger.child({ module: 'txpool' }), journal }, options.txpool)
    recovery = new SenderRecovery(options.recoveryThreads)
    await recovery.start()
    const r = recovery
    const replay = await replayJournal(pool, journal, (raw, receivedAt) => decodeRawTransactionOffThread(raw, chain.common, r, pool.checkEnvelope, receivedAt))
    if (replay.restored + replay.included + replay.invalid + replay.unreadable > 0) {
      logger.info({ ...replay }, 'txpool: journal replayed (included, invalid and unreadable entries dropped)')
    }
    return { store, chain, pool, recovery, close }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
}

/**
 * Raw transactions into the chain's pool: all decoded at once (senders recovered off this
 * thread, in one round trip), each checked by `check` if given (it throws why it is
 * refused), then added in the order given, so a sender's nonces arrive in order. Each
 * settles alone: its pooled transaction, or the decode, check or pool error (geth's codes).
 */
export async function admitRawTransactions(
  opened: Pick<OpenedChain, 'chain' | 'pool' | 'recovery'>,
  raws: readonly Uint8Array[],
  check?: (tx: TypedTransaction) => void,
): Promise<PromiseSettledResult<PooledTx>[]> {
  const { chain, pool, recovery } = opened
  const decoded = await Promise.allSettled(raws.map((raw) => decodeRawTransactionOffThread(raw, chain.common, recovery, pool.checkEnvelope)))
  const out: PromiseSettledResult<PooledTx>[] = []
  for (const d of decoded) {
    if (d.status === 'rejected') {
      out.push(d)
      continue
    }
    try {
      check?.(d.value.tx)
      await pool.add(d.value)
      out.push(d)
    } catch (reason) {
      out.push({ status: 'rejected', reason })
    }
  }
  return out
}


/** A transaction check as the pool's intake takes it: `check`'s refusal thrown as a server error (-32000, geth's code for pool refusals). */
export function refusing(check: (tx: TypedTransaction) => string | undefined): (tx: TypedTransaction) => void {
  return (tx) => {
    const refused = check(tx)
    if (refused !== undefined) throw new BaseError(refused, { rpcCode: RpcErrorCode.Server })
  }
}

/** One raw transaction into the pool (eth_sendRawTransaction): its hash, or the decode, check or pool error. */
export async function admitRawTransaction(opened: Pick<OpenedChain, 'chain' | 'pool' | 'recovery'>, raw: Uint8Array, check?: (tx: TypedTransaction) => void): Promise<Hex> {
  const [res] = await admitRawTransactions(opened, [raw], check)
  if (res!.status === 'rejected') throw res!.reason
  return res!.value.hash
}
