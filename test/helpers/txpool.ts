/** Signed transactions and a pool over a fake head state, for the tx pool's unit tests. */
import assert from 'node:assert/strict'
import { createCustomCommon, Hardfork, Mainnet, type Common } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { privateToAddress } from '@ethereumjs/util'
import type { PooledTx } from '../../src/execution/pooledTx.js'
import { toData, type Hex } from '../../src/primitives/hex.js'
import type { TxPoolError } from '../../src/sequencer/txpool/errors.js'
import type { TxPoolOptions } from '../../src/sequencer/txpool/options.js'
import { TxPool, type TxPoolDeps, type TxPoolHead } from '../../src/sequencer/txpool/txPool.js'

export const CHAIN_ID = 901
export const osaka = createCustomCommon({ chainId: CHAIN_ID }, Mainnet, { hardfork: Hardfork.Osaka })
export const prague = createCustomCommon({ chainId: CHAIN_ID }, Mainnet, { hardfork: Hardfork.Prague })
export const TO: Hex = `0x${'11'.repeat(20)}`
export const RICH = 10n ** 24n

export function key(i: number): Uint8Array {
  const k = new Uint8Array(32)
  k[0] = 1
  k[31] = i
  return k
}
const addressCache = new Map<number, Hex>()
export function addr(i: number): Hex {
  let a = addressCache.get(i)
  if (a === undefined) {
    a = toData(privateToAddress(key(i)))
    addressCache.set(i, a)
  }
  return a
}

export interface TxSpec {
  from?: number
  nonce?: bigint
  tip?: bigint
  fee?: bigint
  gas?: bigint
  value?: bigint
  data?: Uint8Array
  create?: boolean
  legacy?: boolean
  common?: Common
  receivedAt?: number
}

let clock = 1_000
/** A real signed tx wrapped as ingest would; `fee`/`tip` are gasPrice for legacy. */
export function makeTx(spec: TxSpec = {}): PooledTx {
  const from = spec.from ?? 1
  const common = spec.common ?? osaka
  const base = {
    nonce: spec.nonce ?? 0n,
    gasLimit: spec.gas ?? 21_000n,
    value: spec.value ?? 0n,
    data: spec.data ?? new Uint8Array(),
    to: spec.create ? undefined : TO,
  }
  const fee = spec.fee ?? 1_000n
  const tip = spec.tip ?? 100n
  const tx: TypedTransaction = spec.legacy
    ? createLegacyTx({ ...base, gasPrice: fee }, { common }).sign(key(from))
    : createFeeMarket1559Tx(
        { ...base, chainId: common.chainId(), maxFeePerGas: fee, maxPriorityFeePerGas: tip },
        { common, allowUnlimitedInitCodeSize: true },
      ).sign(key(from))
  return wrap(tx, addr(from), spec.receivedAt ?? clock++)
}

function wrap(tx: TypedTransaction, sender: Hex, receivedAt: number): PooledTx {
  const legacy = 'gasPrice' in tx
  return {
    tx,
    hash: toData(tx.hash()),
    sender,
    raw: tx.serialize(),
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: legacy ? tx.gasPrice : (tx as { maxFeePerGas: bigint }).maxFeePerGas,
    maxPriorityFeePerGas: legacy ? tx.gasPrice : (tx as { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas,
    receivedAt,
  }
}

export class FakeState {
  readonly nonces = new Map<Hex, bigint>()
  readonly balances = new Map<Hex, bigint>()
  readonly reads = new Map<Hex, number>()
  /** While set, reads take their value at call time but resolve only when it resolves. */
  gate: Promise<void> | undefined

  async getNonce(sender: Hex): Promise<bigint> {
    this.reads.set(sender, (this.reads.get(sender) ?? 0) + 1)
    const value = this.nonces.get(sender) ?? 0n
    if (this.gate) await this.gate
    return value
  }

  async getBalance(sender: Hex): Promise<bigint> {
    const value = this.balances.get(sender) ?? RICH
    if (this.gate) await this.gate
    return value
  }
}

export function setup(options: Partial<TxPoolOptions> = {}, common: Common = osaka, deps: Partial<TxPoolDeps> = {}) {
  const state = new FakeState()
  const head: { -readonly [K in keyof TxPoolHead]: TxPoolHead[K] } = { baseFee: 10n, gasLimit: 30_000_000n }
  const pool = new TxPool({ chainId: BigInt(CHAIN_ID), common, state, head: () => head, ...deps }, options)
  const announced: Hex[] = []
  pool.onPending((ptx) => announced.push(ptx.hash))
  return { pool, state, head, announced }
}

export async function rejects(p: Promise<unknown>, cls: abstract new (...args: never[]) => TxPoolError, message: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`)
    assert.equal((err as Error).message, message)
    return true
  })
}

