import { createBlock, createBlockHeader, type Block } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import {
  createAccessList2930Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from '@ethereumjs/tx'
import { Account, Address, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { buildBlock, createVM } from '@ethereumjs/vm'
import { createChainCommon, type GethGenesis } from '../../src/execution/genesis.js'
import { initCrypto } from '../../src/primitives/crypto.js'

/**
 * A small pre-merge (proof-of-work) chain made directly with ethereumjs, independent of
 * Plexus's own execution code: Berlin at genesis, London at block 3, legacy transactions
 * before London and typed ones after, a miner paid the block reward. Used to check that
 * `plexus import` executes a foreign chain under its genesis's hardfork schedule.
 */

export const POW_CHAIN_ID = 1337
export const POW_LONDON_BLOCK = 3
export const POW_BLOCK_COUNT = 6
/** Block reward from Constantinople on (ethash), paid to the coinbase by the builder. */
export const POW_BLOCK_REWARD = 2n * 10n ** 18n

const SENDER_KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
export const POW_SENDER = createAddressFromPrivateKey(SENDER_KEY).toString() as `0x${string}`
export const POW_MINER = '0x00000000000000000000000000000000000c01b0' as const
export const POW_RECIPIENT = '0x000000000000000000000000000000000000beef' as const
/** Each call increments slot 0 and logs the new value (LOG0 of one word). */
export const POW_COUNTER = '0x00000000000000000000000000000000000c0de1' as const
/** Every call reverts (REVERT(0, 0)). */
export const POW_REVERTER = '0x00000000000000000000000000000000000c0de2' as const

// PUSH1 0 SLOAD PUSH1 1 ADD DUP1 PUSH1 0 SSTORE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 LOG0 STOP
const COUNTER_CODE = '0x6000546001018060005560005260206000a000'
const REVERTER_CODE = '0x60006000fd'

export function powGenesis(): GethGenesis {
  return {
    config: {
      chainId: POW_CHAIN_ID,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      muirGlacierBlock: 0,
      berlinBlock: 0,
      londonBlock: POW_LONDON_BLOCK,
      ethash: {},
    },
    nonce: '0x0000000000000042',
    timestamp: '0x6553f100',
    extraData: '0x706c65787573',
    gasLimit: '0x1c9c380',
    difficulty: '0x20000',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
    alloc: {
      [POW_SENDER.slice(2)]: { balance: '0x3635c9adc5dea00000' }, // 1000 ETH
      [POW_COUNTER]: {
        balance: '0x0',
        code: COUNTER_CODE,
        storage: {
          '0x0000000000000000000000000000000000000000000000000000000000000000': '0x05',
          '0x0000000000000000000000000000000000000000000000000000000000000001': '0xabcdef',
        },
      },
      [POW_REVERTER]: { balance: '0x1', code: REVERTER_CODE },
    },
  }
}

export interface PowChain {
  genesis: GethGenesis
  /** Genesis block built from the JSON fields like geth does (not by Plexus). */
  genesisBlock: Block
  /** Blocks 1 … POW_BLOCK_COUNT. */
  blocks: Block[]
  /** Receipt status (1 success, 0 failure) per transaction, per block (index 0 = block 1). */
  statuses: number[][]
  /** Balances at the head according to the generator. */
  balances: { miner: bigint; sender: bigint; recipient: bigint }
  /** Value of the counter's slot 0 at the head. */
  counter: bigint
}

/** Blocks `from` … end as geth's export format: concatenated RLP blocks. */
export function exportRlp(blocks: readonly { serialize(): Uint8Array }[]): Uint8Array {
  return Buffer.concat(blocks.map((b) => b.serialize()))
}

/** Header field positions in a block's RLP header list. */
export const HEADER_FIELD = { stateRoot: 3, transactionsTrie: 4, receiptTrie: 5 } as const

/** The block's RLP with one header field replaced (its hash changes with it). */
export function withHeaderField(block: Block, field: keyof typeof HEADER_FIELD, value: Uint8Array): Uint8Array {
  const raw = block.raw() as unknown as unknown[]
  const header = [...(raw[0] as Uint8Array[])]
  header[HEADER_FIELD[field]] = value
  return RLP.encode([header, ...raw.slice(1)] as never)
}

/**
 * The block's RLP with the first legacy transaction's value changed: the header (and so
 * the block hash) is untouched, only the body no longer matches the transactions root.
 */
export function withTamperedLegacyTx(block: Block): Uint8Array {
  const raw = block.raw() as unknown as unknown[]
  const txs = [...(raw[1] as unknown[])]
  const i = txs.findIndex((t) => Array.isArray(t))
  if (i < 0) throw new Error(`block ${block.header.number} has no legacy transaction`)
  const tx = [...(txs[i] as Uint8Array[])]
  tx[4] = Uint8Array.of(0x07) // value
  txs[i] = tx
  return RLP.encode([raw[0], txs, ...raw.slice(2)] as never)
}

export async function buildPowChain(): Promise<PowChain> {
  await initCrypto()
  const genesis = powGenesis()
  const common = createChainCommon(genesis, 'powtest')
  common.setHardforkBy({ blockNumber: 0n })

  // Genesis state, in ethereumjs' own MerkleStateManager.
  const state = new MerkleStateManager({ common })
  await state.checkpoint()
  for (const [addr, acct] of Object.entries(genesis.alloc)) {
    const address = createAddressFromString(addr.startsWith('0x') ? addr : `0x${addr}`)
    await state.putAccount(address, new Account(BigInt(acct.nonce ?? 0), BigInt(acct.balance ?? 0)))
    if (acct.code) await state.putCode(address, hexToBytes(acct.code as `0x${string}`))
    for (const [slot, value] of Object.entries(acct.storage ?? {})) {
      await state.putStorage(address, hexToBytes(slot as `0x${string}`), hexToBytes(value as `0x${string}`))
    }
  }
  await state.commit()
  await state.flush()

  const genesisHeader = createBlockHeader(
    {
      number: 0n,
      parentHash: new Uint8Array(32),
      timestamp: BigInt(genesis.timestamp!),
      gasLimit: BigInt(genesis.gasLimit),
      extraData: hexToBytes(genesis.extraData as `0x${string}`),
      difficulty: BigInt(genesis.difficulty!),
      nonce: hexToBytes(genesis.nonce as `0x${string}`),
      mixHash: hexToBytes(genesis.mixHash as `0x${string}`),
      coinbase: createAddressFromString(genesis.coinbase!),
      stateRoot: await state.getStateRoot(),
    },
    { common },
  )
  const genesisBlock = createBlock({ header: genesisHeader }, { common })

  const vm = await createVM({ common, stateManager: state })
  const miner = createAddressFromString(POW_MINER)
  const counter = createAddressFromString(POW_COUNTER)
  const reverter = createAddressFromString(POW_REVERTER)
  const recipient = createAddressFromString(POW_RECIPIENT)
  let nonce = 0n
  const gwei = 10n ** 9n

  // Transactions per block; `common` is at the block's hardfork when these run.
  const plan: ((n: bigint) => TypedTransaction[])[] = [
    // 1: legacy transfer, legacy call that writes storage and logs
    () => [
      createLegacyTx({ nonce: nonce++, gasPrice: 2n * gwei, gasLimit: 21_000n, to: recipient, value: 10n ** 18n }, { common }),
      createLegacyTx({ nonce: nonce++, gasPrice: 2n * gwei, gasLimit: 100_000n, to: counter }, { common }),
    ],
    // 2: a call that reverts (mined, status 0), an EIP-2930 transfer
    () => [
      createLegacyTx({ nonce: nonce++, gasPrice: 3n * gwei, gasLimit: 50_000n, to: reverter }, { common }),
      createAccessList2930Tx(
        {
          chainId: BigInt(POW_CHAIN_ID),
          nonce: nonce++,
          gasPrice: 2n * gwei,
          gasLimit: 60_000n,
          to: counter,
          accessList: [{ address: POW_COUNTER, storageKeys: [`0x${'00'.repeat(32)}`] }],
        },
        { common },
      ),
    ],
    // 3 (London): EIP-1559 transfer and call, a legacy tx still valid
    () => [
      createFeeMarket1559Tx(
        { chainId: BigInt(POW_CHAIN_ID), nonce: nonce++, maxFeePerGas: 5n * gwei, maxPriorityFeePerGas: gwei, gasLimit: 21_000n, to: recipient, value: 12345n },
        { common },
      ),
      createFeeMarket1559Tx(
        { chainId: BigInt(POW_CHAIN_ID), nonce: nonce++, maxFeePerGas: 5n * gwei, maxPriorityFeePerGas: 2n * gwei, gasLimit: 100_000n, to: counter },
        { common },
      ),
      createLegacyTx({ nonce: nonce++, gasPrice: 4n * gwei, gasLimit: 21_000n, to: recipient, value: 1n }, { common }),
    ],
    // 4: empty (the miner reward only)
    () => [],
    // 5: 1559 call that reverts, 1559 call to the counter
    () => [
      createFeeMarket1559Tx(
        { chainId: BigInt(POW_CHAIN_ID), nonce: nonce++, maxFeePerGas: 5n * gwei, maxPriorityFeePerGas: gwei, gasLimit: 40_000n, to: reverter },
        { common },
      ),
      createFeeMarket1559Tx(
        { chainId: BigInt(POW_CHAIN_ID), nonce: nonce++, maxFeePerGas: 5n * gwei, maxPriorityFeePerGas: gwei, gasLimit: 100_000n, to: counter },
        { common },
      ),
    ],
    // 6: legacy transfer after London
    () => [createLegacyTx({ nonce: nonce++, gasPrice: 3n * gwei, gasLimit: 21_000n, to: miner, value: 5n }, { common })],
  ]

  const blocks: Block[] = []
  const statuses: number[][] = []
  let parent = genesisBlock
  for (let i = 0; i < POW_BLOCK_COUNT; i++) {
    const number = parent.header.number + 1n
    common.setHardforkBy({ blockNumber: number })
    const gasLimit = number === BigInt(POW_LONDON_BLOCK) ? parent.header.gasLimit * 2n : parent.header.gasLimit
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      headerData: {
        number,
        timestamp: parent.header.timestamp + 13n,
        coinbase: miner,
        gasLimit,
        extraData: new TextEncoder().encode(`pow block ${number}`),
      },
      blockOpts: { setHardfork: true, calcDifficultyFromHeader: parent.header, putBlockIntoBlockchain: false },
    })
    const txs = plan[i]!(number).map((tx) => tx.sign(SENDER_KEY))
    const blockStatuses: number[] = []
    for (const tx of txs) {
      const res = await builder.addTransaction(tx)
      blockStatuses.push(res.execResult.exceptionError ? 0 : 1)
    }
    const { block } = await builder.build()
    if (block.header.difficulty === 0n) throw new Error('expected a proof-of-work difficulty')
    blocks.push(block)
    statuses.push(blockStatuses)
    parent = block
  }

  const balance = async (a: Address) => (await state.getAccount(a))?.balance ?? 0n
  const slot0 = await state.getStorage(counter, new Uint8Array(32))
  return {
    genesis,
    genesisBlock,
    blocks,
    statuses,
    balances: { miner: await balance(miner), sender: await balance(createAddressFromPrivateKey(SENDER_KEY)), recipient: await balance(recipient) },
    counter: slot0.length === 0 ? 0n : BigInt(`0x${Buffer.from(slot0).toString('hex')}`),
  }
}
