import { privateKeyToAccount } from 'viem/accounts'
import type { Hex } from 'viem'
import { baseFeeSettingsMismatch } from '../../execution/baseFee.js'
import { genesisBlockHash } from '../../execution/chain.js'
import { isDevGenesis } from '../../execution/devTx.js'
import { devAccounts, type GenesisBaseFeeOptions, type GethAllocAccount, type GethGenesis } from '../../execution/genesis.js'
import type { GasToken } from '../../execution/gasToken.js'
import { DEFAULT_BASE_FEE_SCALAR, DEFAULT_BLOB_BASE_FEE_SCALAR } from '../../execution/l1Fee.js'
import { rollupGenesis } from '../../execution/rollupGenesis.js'
import { BaseError, ConfigError } from '../../primitives/errors.js'
import { toData, toQuantity } from '../../primitives/hex.js'
import type { Logger } from '../../primitives/logger.js'
import { abiOf } from './abis.js'
import type { L1Network } from './bootstrap.js'
import { CHAIN_CONFIG_VERSION, encodeChainConfig, fetchChainConfig } from './chainConfig.js'
import { readRegistration, registerChain, type ChainRegistration, type PersistL1 } from './deploy.js'
import { fundRoles } from './fundRoles.js'
import { checkRegisteredGasToken, logL1FeePricing, resolveGasToken, type GasTokenSpec } from './gasToken.js'
import { backGenesis, genesisNativeSupply } from './genesisEscrow.js'
import { L1TransactionError, writeAndWait, type L1Signer } from './l1Transactions.js'
import { roleKey } from './roleKeys.js'

/** What registering a chain reads of its configuration. */
export interface ChainSpec {
  chainId: number
  gasLimit: bigint
  challengeWindowSeconds: number
  /** Coinbase of every block, fixed at registration. */
  feeRecipient: Hex
  baseFee?: GenesisBaseFeeOptions
  devAccounts?: boolean
  alloc?: Record<string, GethAllocAccount>
  gasToken?: GasTokenSpec
}

/**
 * Where a chain's genesis is kept between its making and its registration (the datadir):
 * the genesis a crash right after registering must find again is the one L1 holds.
 */
export interface GenesisStore {
  stored(chainId: number): GethGenesis | undefined
  save(genesis: GethGenesis): void
  forget(chainId: number): void
}

/** What registering chains needs of the network. */
export interface RegistrationContext {
  l1: L1Network
  deployerKey: Hex
  roleFunding: bigint
  /** The embedded dev L1 (anvil): test accounts, dev transactions and genesis escrow. */
  embeddedL1: boolean
  relayerKey: Hex
  /** Where dev gas tokens are recorded. */
  datadir: string
  genesis: GenesisStore
  persist: PersistL1 | undefined
  logger: Logger
}

/** A chain's genesis and L1 registration, ready for its node to start. */
export interface RegisteredChain {
  genesis: GethGenesis
  registration: ChainRegistration
  proposer: L1Signer
  /** The network slot of the chain's block 0. */
  genesisSlot: bigint
  /** Coinbase of its blocks, as registered on L1. */
  feeRecipient: Hex
  gasToken: GasToken | undefined
}

/**
 * The chain's gas token on L1 (a dev token is deployed the first time). Not concurrent
 * with another chain's: two chains may share one dev token, deployed and recorded once.
 */
export async function resolveChainGasToken(ctx: RegistrationContext, spec: Pick<ChainSpec, 'gasToken'>, path: string): Promise<GasToken | undefined> {
  if (!spec.gasToken) return undefined
  return resolveGasToken(ctx.l1.deployer, ctx.datadir, spec.gasToken, {
    path,
    embeddedL1: ctx.embeddedL1,
    holders: devAccounts().map((a) => a.address),
    logger: ctx.logger.child({ module: 'l1-deploy' }),
    persist: ctx.persist,
  })
}

export interface RegisterParams {
  gasToken: GasToken | undefined
  genesisTime: bigint
  /** The network slot asked for the chain's block 0 (a chain registered before keeps its own). */
  genesisSlot: bigint
  /** Where a field of this chain's options sits, for config errors (`chains[1].baseFee`). */
  optionPath: (field: string) => string
}

/**
 * The chain's genesis and L1 registration: read back if it exists, made otherwise; its
 * proposer funded and, on the dev L1, its genesis balances backed by escrow. Safe to run
 * for many chains at once (the deployer's sends queue) and to be cut anywhere by a
 * crash: the genesis is kept before it is registered, and every step is found done on
 * the next start.
 */
export async function ensureChainRegistered(ctx: RegistrationContext, spec: ChainSpec, p: RegisterParams): Promise<RegisteredChain> {
  const { l1, logger, embeddedL1, gasToken } = { ...ctx, gasToken: p.gasToken }
  const { deployer, deployment } = l1
  const chainId = BigInt(spec.chainId)
  const { feeRecipient } = spec
  const proposer = l1.signer(roleKey(ctx.deployerKey, 'proposer', chainId))
  await fundRoles(deployer, [proposer.account.address], ctx.roleFunding)
  const stored = ctx.genesis.stored(spec.chainId)
  const changed = stored && baseFeeSettingsMismatch(stored, spec.baseFee)
  if (changed) {
    throw new ConfigError(p.optionPath('baseFee'), `${changed}; base-fee settings are fixed when a chain is created (replicas read them from its genesis), so set them back or start a new network with a fresh datadir`)
  }
  const fresh = rollupGenesis({
    chainId: spec.chainId,
    gasLimit: spec.gasLimit,
    l1Portal: deployment.contracts.Portal,
    timestamp: p.genesisTime,
    // The public test mnemonic's keys are anyone's: funded on the dev L1 only.
    devAccounts: spec.devAccounts ?? embeddedL1,
    // anvil's dev methods, as dev transactions its replicas replay: on the dev network only.
    devTransactions: embeddedL1,
    alloc: spec.alloc,
    baseFee: spec.baseFee,
    gasToken,
  })
  // On the dev L1 the relayer starts funded (backed like every genesis balance below); on
  // any other L1 it is funded by a deposit once the chain is registered.
  const genesis = stored ?? (embeddedL1 ? withRelayer(fresh, ctx.relayerKey) : fresh)
  if (embeddedL1 && !isDevGenesis(genesis)) {
    logger.warn({ chainId: spec.chainId }, "the chain's genesis predates dev transactions: anvil's dev methods (anvil_setBalance, eth_sendTransaction, …) are off on it; start the network with a fresh datadir to have them")
  }
  const supply = genesisNativeSupply(genesis)
  if (!embeddedL1 && supply > 0n) {
    const field = spec.devAccounts ? 'devAccounts' : stored ? 'genesis' : 'alloc'
    throw new ConfigError(p.optionPath(field), `the genesis would hold ${supply} wei that no one deposited on L1, and on a real L1 every wei on L2 must be backed by L1 escrow (or it could be withdrawn against others' deposits); ${field === 'genesis' ? 'start the chain with a fresh datadir' : 'remove the genesis balances and fund accounts with `plexus deposit` once the network is up'}`)
  }
  const genesisHash = toData(await genesisBlockHash(genesis))
  // Kept before it is registered: a crash right after the registration then finds on L1
  // the genesis it restarts with (its hash is what the registry holds), not a new one
  // with a later timestamp that the registry would refuse.
  ctx.genesis.save(genesis)
  let genesisSlot = p.genesisSlot
  let registration = await readRegistration(deployer, deployment.contracts.ChainRegistry, chainId)
  if (!registration) {
    logger.info({ chainId: spec.chainId }, 'registering the chain on L1')
    registration = await registerChain(deployer, deployment.contracts.ChainRegistry, {
      chainId,
      genesisHash,
      batcher: l1.batcher.account.address, // the chain's batcher of record
      proposer: proposer.account.address,
      challengeWindow: BigInt(spec.challengeWindowSeconds),
      config: encodeChainConfig({
        version: CHAIN_CONFIG_VERSION,
        l1ChainId: l1.l1ChainId,
        genesis,
        feeRecipient,
        baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
        blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
        ...(genesisSlot > 0n ? { genesisSlot } : {}),
        contracts: deployment.contracts,
        gasToken,
      }),
      gasToken: gasToken?.address,
    }).catch((err: unknown) => {
      // Refused or reverted (not abandoned: a transaction sent may still land): the new
      // genesis was never registered, so a later attempt makes a fresh one.
      if (!stored && err instanceof L1TransactionError) ctx.genesis.forget(spec.chainId)
      throw err
    })
    logger.info({ chainId: spec.chainId, l1Block: registration.registeredAtBlock.toString() }, 'chain registered on L1')
  } else if (registration.genesisHash !== genesisHash) {
    throw new BaseError(`chain ${spec.chainId} is registered on L1 with genesis ${registration.genesisHash}, not ${genesisHash}`, {
      details: 'the datadir does not belong to this L1 deployment; use a fresh --datadir',
    })
  } else {
    // Registered before (a restart, or a join cut short): the slot on L1 is the chain's.
    const published = (await fetchChainConfig(deployer.publicClient, deployment.contracts.ChainRegistry, chainId)).config
    genesisSlot = published.genesisSlot ?? 0n
    // Replicas build every block with the registered coinbase: it cannot change.
    if (published.feeRecipient.toLowerCase() !== feeRecipient.toLowerCase()) {
      throw new ConfigError(p.optionPath('feeRecipient'), `chain ${spec.chainId} was registered on L1 with fee recipient ${published.feeRecipient}, not ${feeRecipient}; it is fixed at registration (replicas build blocks with it), so set it back or start a new network with a fresh datadir`)
    }
    await checkRegisteredGasToken(deployer.publicClient, deployment.contracts.ChainRegistry, chainId, gasToken, p.optionPath('gasToken'))
  }
  if (embeddedL1) {
    await backGenesis(deployer, {
      portal: deployment.contracts.Portal,
      chainId,
      supply,
      gasToken,
      devGasToken: spec.gasToken?.l1Address === undefined,
      logger: logger.child({ module: 'l1-deploy' }),
    })
  }
  if (gasToken) {
    logL1FeePricing(logger.child({ chain: spec.chainId }), spec.chainId, gasToken, {
      baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
      blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
    })
  }
  return { genesis, registration, proposer, genesisSlot, feeRecipient, gasToken }
}

/** A fresh genesis with the network relayer funded: it pays the gas of every relay it sends. */
function withRelayer(genesis: GethGenesis, relayerKey: Hex): GethGenesis {
  genesis.alloc[privateKeyToAccount(relayerKey).address.toLowerCase()] = { balance: toQuantity(RELAYER_GENESIS_BALANCE) }
  return genesis
}

/** 1,000 ETH on the dev L1 (backed there like every genesis balance): relays cost the base fee and the L1 data fee only. */
const RELAYER_GENESIS_BALANCE = 1_000n * 10n ** 18n

/**
 * Funds the network relayer on a chain just registered on a real L1 with a deposit from
 * the deployer: on such an L1 no L2 wei exists that was not deposited. Its relays wait
 * (and are retried) until the deposit is on L2. `relayerAccount` reads the relayer's
 * account at the chain's head.
 */
export async function fundRelayerByDeposit(
  deployer: L1Signer,
  portal: Hex,
  chainId: bigint,
  relayerAccount: () => Promise<{ nonce: bigint; balance: bigint } | undefined>,
  relayer: Hex,
  amount: bigint,
  logger: Logger,
): Promise<void> {
  // An account that never sent and holds nothing was never funded (or its deposit is not on
  // L2 yet, after a crash right after it: then it is funded twice, which loses nothing).
  const account = await relayerAccount()
  if (amount === 0n || (account && (account.nonce > 0n || account.balance > 0n))) return
  await writeAndWait(deployer, { address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [chainId, relayer], value: amount })
  logger.info({ relayer, amount: amount.toString() }, 'relayer funded by an L1 deposit')
}
