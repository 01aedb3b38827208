import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeAbiParameters,
  erc20Abi,
  http,
  keccak256,
  parseEventLogs,
  type Abi,
  type Account,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import { BaseError } from '../../primitives/errors.js'
import { ETHER_TOKEN_ADDRESS, gasTokenUnit, toTokenUnits } from '../../execution/gasToken.js'
import { PREDEPLOYS } from '../../execution/predeploys.js'
import { abiOf } from '../l1/abis.js'
import { reasonOf, waitForSuccess } from '../l1/l1Transactions.js'
import { hashOutputRoot, OUTPUT_VERSION_V0, type OutputRootProof } from '../outputRoot.js'

/**
 * Bridge helpers for users and scripts: deposits (L1 → L2) and withdrawals (L2 → L1:
 * initiate, wait for the output root, prove, wait out the challenge window, finalize).
 * Everything is found through the L2's `plexus_getL1Addresses`, so a caller needs only
 * the two RPC URLs and an account.
 */
export interface BridgeContext {
  l1: PublicClient
  l2: PublicClient
  l1Wallet: WalletClient
  l2Wallet: WalletClient
  account: Account
  l2ChainId: bigint
  addresses: BridgeAddresses
  /** What the L2's native balance is: ETH, or an L1 ERC-20 gas token. */
  nativeAsset: NativeAsset
}

/**
 * A chain's native asset as its L1Block predeploy reports it (the OP Stack gas-token
 * getters). On L2 it always has 18 decimals; `decimals` is the L1 token's, so one token
 * unit is 10^(18 − decimals) L2 wei.
 */
export interface NativeAsset {
  /** False for ETH. */
  custom: boolean
  /** The L1 token, or ETHER_TOKEN_ADDRESS for ETH. */
  l1Token: Hex
  decimals: number
  name: string
  symbol: string
}

const ETHER: NativeAsset = { custom: false, l1Token: ETHER_TOKEN_ADDRESS, decimals: 18, name: 'Ether', symbol: 'ETH' }

export interface BridgeAddresses {
  Portal: Hex
  OutputOracle: Hex
  ChainRegistry: Hex
  l1ChainId: number
}

export class BridgeError extends BaseError {
  override name = 'BridgeError'
}

/** Connects to both chains and reads the L1 addresses from the L2. */
export async function createBridgeContext(params: { l1Url?: string; l2Url: string; account: Account }): Promise<BridgeContext> {
  const l2Probe = createPublicClient({ transport: http(params.l2Url) })
  const l2ChainId = BigInt(await l2Probe.getChainId())
  const addresses = (await l2Probe.request({ method: 'plexus_getL1Addresses' as never })) as unknown as BridgeAddresses & {
    l1RpcUrl: string
  }
  const nativeAsset = await readNativeAsset(l2Probe as PublicClient)
  const l1Url = params.l1Url ?? addresses.l1RpcUrl
  const l1Chain = defineChain({
    id: addresses.l1ChainId,
    name: `L1 ${addresses.l1ChainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [l1Url] } },
  })
  const l2Chain = defineChain({
    id: Number(l2ChainId),
    name: `Plexus ${l2ChainId}`,
    nativeCurrency: { name: nativeAsset.name, symbol: nativeAsset.symbol, decimals: 18 },
    rpcUrls: { default: { http: [params.l2Url] } },
  })
  return {
    l1: createPublicClient({ chain: l1Chain, transport: http(l1Url) }) as PublicClient,
    l2: createPublicClient({ chain: l2Chain, transport: http(params.l2Url) }) as PublicClient,
    l1Wallet: createWalletClient({ account: params.account, chain: l1Chain, transport: http(l1Url) }),
    l2Wallet: createWalletClient({ account: params.account, chain: l2Chain, transport: http(params.l2Url) }),
    account: params.account,
    l2ChainId,
    addresses,
    nativeAsset,
  }
}

/**
 * Reads the L2's native asset from its L1Block predeploy. A chain whose genesis predates the
 * gas-token getters (its L1Block reverts on them) is an ETH chain.
 */
export async function readNativeAsset(l2: PublicClient): Promise<NativeAsset> {
  const read = (functionName: string) => l2.readContract({ address: PREDEPLOYS.L1Block, abi: abiOf('L1Block'), functionName })
  let custom: unknown
  try {
    custom = await read('isCustomGasToken')
  } catch (err) {
    if (err instanceof ViemBaseError && err.walk((e) => e instanceof ContractFunctionRevertedError)) return ETHER
    throw err
  }
  if (!custom) return ETHER
  const [[l1Token, decimals], name, symbol] = (await Promise.all([
    read('gasPayingToken'),
    read('gasPayingTokenName'),
    read('gasPayingTokenSymbol'),
  ])) as [readonly [Hex, number], string, string]
  return { custom: true, l1Token, decimals: Number(decimals), name, symbol }
}

interface Call {
  address: Hex
  abi: Abi
  functionName: string
  args: readonly unknown[]
  value?: bigint
  account: Account
  chain: WalletClient['chain']
}

async function send(client: PublicClient, wallet: WalletClient, call: Call): Promise<TransactionReceipt> {
  let hash: Hex
  try {
    hash = await wallet.writeContract(call as never)
  } catch (err) {
    throw new BridgeError(`${call.functionName} failed: ${reasonOf(err)}`, { cause: err })
  }
  // Not viem's wait: it never ends if the L1 drops the transaction (a reorg, a restarted dev L1).
  try {
    return await waitForSuccess(client, hash, call.functionName)
  } catch (err) {
    throw new BridgeError(`${call.functionName}: ${(err as Error).message}`, { cause: err })
  }
}

/** Deposits ETH from L1 into `to` on the L2 (default: the sender). Resolves on L1 inclusion. */
export async function depositETH(ctx: BridgeContext, p: { amount: bigint; to?: Hex }): Promise<TransactionReceipt> {
  if (ctx.nativeAsset.custom) {
    throw new BridgeError(`chain ${ctx.l2ChainId}'s native asset is ${ctx.nativeAsset.symbol} (${ctx.nativeAsset.l1Token} on L1), not ETH`, {
      details: 'deposit the gas token with depositGasToken (`plexus deposit` without --token does)',
    })
  }
  return send(ctx.l1, ctx.l1Wallet, {
    address: ctx.addresses.Portal,
    abi: abiOf('Portal'),
    functionName: 'depositETH',
    args: [ctx.l2ChainId, p.to ?? ctx.account.address],
    value: p.amount,
    account: ctx.account,
    chain: ctx.l1Wallet.chain,
  })
}

/**
 * Deposits `amount` units of a gas-token chain's native asset (approving the portal first if
 * needed): `to` (default: the sender) gets amount × 10^(18 − decimals) wei on L2.
 */
export async function depositGasToken(ctx: BridgeContext, p: { amount: bigint; to?: Hex }): Promise<TransactionReceipt> {
  if (!ctx.nativeAsset.custom) {
    throw new BridgeError(`chain ${ctx.l2ChainId}'s native asset is ETH; it has no gas token`, { details: 'deposit ETH with depositETH' })
  }
  await approvePortal(ctx, ctx.nativeAsset.l1Token, p.amount)
  return send(ctx.l1, ctx.l1Wallet, {
    address: ctx.addresses.Portal,
    abi: abiOf('Portal'),
    functionName: 'depositGasToken',
    args: [ctx.l2ChainId, p.to ?? ctx.account.address, p.amount],
    account: ctx.account,
    chain: ctx.l1Wallet.chain,
  })
}

/** Approves the portal to pull `amount` of `token`, unless it already may. */
async function approvePortal(ctx: BridgeContext, token: Hex, amount: bigint): Promise<void> {
  const allowance = await ctx.l1.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [ctx.account.address, ctx.addresses.Portal] })
  if (allowance >= amount) return
  await send(ctx.l1, ctx.l1Wallet, {
    address: token,
    abi: erc20Abi,
    functionName: 'approve',
    args: [ctx.addresses.Portal, amount],
    account: ctx.account,
    chain: ctx.l1Wallet.chain,
  })
}

/** Approves (if needed) and deposits an L1 ERC-20; the L2 representation is minted to `to`. */
export async function depositERC20(ctx: BridgeContext, p: { token: Hex; amount: bigint; to?: Hex }): Promise<TransactionReceipt> {
  await approvePortal(ctx, p.token, p.amount)
  return send(ctx.l1, ctx.l1Wallet, {
    address: ctx.addresses.Portal,
    abi: abiOf('Portal'),
    functionName: 'depositERC20',
    args: [ctx.l2ChainId, p.token, p.to ?? ctx.account.address, p.amount],
    account: ctx.account,
    chain: ctx.l1Wallet.chain,
  })
}

/** The L2 address of an L1 token's bridged representation (deployed on its first deposit). */
export async function l2TokenFor(ctx: BridgeContext, l1Token: Hex): Promise<Hex> {
  return (await ctx.l2.readContract({
    address: PREDEPLOYS.L2StandardBridge,
    abi: abiOf('L2StandardBridge'),
    functionName: 'l2TokenFor',
    args: [l1Token],
  })) as Hex
}

/** A withdrawal as the message passer recorded it (what L1 proves and executes). */
export interface WithdrawalTransaction {
  nonce: bigint
  sender: Hex
  target: Hex
  value: bigint
  gasLimit: bigint
  data: Hex
}

export interface InitiatedWithdrawal {
  withdrawal: WithdrawalTransaction
  withdrawalHash: Hex
  l2BlockNumber: bigint
  l2TxHash: Hex
}

/**
 * Starts a withdrawal on L2: the native asset through the message passer (`amount` in L2
 * wei; on a gas-token chain a whole number of token units, which L1 pays out as tokens), or
 * an ERC-20 (its L2 representation) through the L2 bridge. `to` defaults to the sender.
 */
export async function initiateWithdrawal(ctx: BridgeContext, p: { amount: bigint; to?: Hex; l2Token?: Hex }): Promise<InitiatedWithdrawal> {
  const to = p.to ?? ctx.account.address
  const { custom, decimals, symbol } = ctx.nativeAsset
  if (!p.l2Token && custom && toTokenUnits(p.amount, decimals) === undefined) {
    throw new BridgeError(`${p.amount} wei is not a whole number of ${symbol} units (${gasTokenUnit(decimals)} wei each)`, {
      details: `L1 pays ${symbol} out in units of 10^-${decimals}; round the amount`,
    })
  }
  const receipt = p.l2Token
    ? await send(ctx.l2, ctx.l2Wallet, {
        address: PREDEPLOYS.L2StandardBridge,
        abi: abiOf('L2StandardBridge'),
        functionName: 'withdrawTo',
        args: [p.l2Token, to, p.amount],
        account: ctx.account,
        chain: ctx.l2Wallet.chain,
      })
    : await send(ctx.l2, ctx.l2Wallet, {
        address: PREDEPLOYS.L2ToL1MessagePasser,
        abi: abiOf('L2ToL1MessagePasser'),
        functionName: 'initiateWithdrawal',
        args: [to, 100_000n, '0x'],
        value: p.amount,
        account: ctx.account,
        chain: ctx.l2Wallet.chain,
      })
  const [event] = parseEventLogs({ abi: abiOf('L2ToL1MessagePasser'), logs: receipt.logs, eventName: 'MessagePassed' }) as unknown as {
    args: WithdrawalTransaction & { withdrawalHash: Hex }
  }[]
  if (!event) throw new BridgeError(`transaction ${receipt.transactionHash} passed no message to L1`)
  const { nonce, sender, target, value, gasLimit, data, withdrawalHash } = event.args
  return {
    withdrawal: { nonce, sender, target, value, gasLimit, data },
    withdrawalHash,
    l2BlockNumber: receipt.blockNumber,
    l2TxHash: receipt.transactionHash,
  }
}

export interface PostedOutput {
  outputIndex: bigint
  outputRoot: Hex
  l2BlockNumber: bigint
  timestamp: bigint
}

/** Waits until an output root covering `l2BlockNumber` is on L1. */
export async function waitForOutput(ctx: BridgeContext, l2BlockNumber: bigint, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<PostedOutput> {
  const oracle = { address: ctx.addresses.OutputOracle, abi: abiOf('OutputOracle') }
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000)
  for (;;) {
    const latest = (await ctx.l1.readContract({ ...oracle, functionName: 'latestBlockNumber', args: [ctx.l2ChainId] })) as bigint
    if (latest >= l2BlockNumber) {
      const outputIndex = (await ctx.l1.readContract({ ...oracle, functionName: 'getOutputIndexFor', args: [ctx.l2ChainId, l2BlockNumber] })) as bigint
      const o = (await ctx.l1.readContract({ ...oracle, functionName: 'getOutput', args: [ctx.l2ChainId, outputIndex] })) as {
        outputRoot: Hex
        timestamp: bigint
        l2BlockNumber: bigint
      }
      return { outputIndex, outputRoot: o.outputRoot, l2BlockNumber: BigInt(o.l2BlockNumber), timestamp: BigInt(o.timestamp) }
    }
    if (Date.now() > deadline) throw new BridgeError(`no output root for L2 block ${l2BlockNumber} was posted in time`)
    await sleep(opts.pollMs ?? 500)
  }
}

/** The output-root preimage and the storage proof of the withdrawal at the output's block. */
export async function buildWithdrawalProof(
  ctx: BridgeContext,
  withdrawalHash: Hex,
  output: PostedOutput,
): Promise<{ outputRootProof: OutputRootProof; withdrawalProof: Hex[] }> {
  const slot = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [withdrawalHash, 0n]))
  const [proof, block] = await Promise.all([
    ctx.l2.getProof({ address: PREDEPLOYS.L2ToL1MessagePasser, storageKeys: [slot], blockNumber: output.l2BlockNumber }),
    ctx.l2.getBlock({ blockNumber: output.l2BlockNumber }),
  ])
  const outputRootProof: OutputRootProof = {
    version: OUTPUT_VERSION_V0,
    stateRoot: block.stateRoot,
    messagePasserStorageRoot: proof.storageHash,
    latestBlockhash: block.hash!,
  }
  if (hashOutputRoot(outputRootProof) !== output.outputRoot) {
    throw new BridgeError(`L2 block ${output.l2BlockNumber} does not match the output root posted on L1`, {
      details: 'the L2 node serves a different chain than the one proposed (a wrong root, or a rewound L2)',
    })
  }
  return { outputRootProof, withdrawalProof: proof.storageProof[0]!.proof }
}

export async function proveWithdrawal(ctx: BridgeContext, w: InitiatedWithdrawal, output: PostedOutput): Promise<TransactionReceipt> {
  const { outputRootProof, withdrawalProof } = await buildWithdrawalProof(ctx, w.withdrawalHash, output)
  return send(ctx.l1, ctx.l1Wallet, {
    address: ctx.addresses.Portal,
    abi: abiOf('Portal'),
    functionName: 'proveWithdrawal',
    args: [ctx.l2ChainId, w.withdrawal, output.outputIndex, outputRootProof, withdrawalProof],
    account: ctx.account,
    chain: ctx.l1Wallet.chain,
  })
}

/** L1 timestamp after which a withdrawal proven at `provenAt` may be finalized. */
export async function finalizableAt(ctx: BridgeContext, provenAt: bigint): Promise<bigint> {
  const window = (await ctx.l1.readContract({
    address: ctx.addresses.ChainRegistry,
    abi: abiOf('ChainRegistry'),
    functionName: 'challengeWindow',
    args: [ctx.l2ChainId],
  })) as bigint
  return provenAt + BigInt(window) + 1n
}

/** Waits until L1 time passes `timestamp` (L1 blocks carry the clock). */
export async function waitForL1Time(ctx: BridgeContext, timestamp: bigint, pollMs = 500): Promise<void> {
  for (;;) {
    const block = await ctx.l1.getBlock({ blockTag: 'latest' })
    if (block.timestamp >= timestamp) return
    await sleep(pollMs)
  }
}

/**
 * Finalizes a proven withdrawal. ETH that reached the chain from another chain of the
 * network is backed on L1 once the sender's output is final and the network has moved the
 * escrow (`Portal.settleEthFlows`): until then the Portal answers InsufficientLockedEth,
 * and this waits for the escrow (polling every `pollMs`, at most `escrowWaitMs`).
 */
export async function finalizeWithdrawal(ctx: BridgeContext, w: InitiatedWithdrawal, opts: { pollMs?: number; escrowWaitMs?: number } = {}): Promise<TransactionReceipt> {
  const deadline = Date.now() + (opts.escrowWaitMs ?? 10 * 60_000)
  for (;;) {
    try {
      return await send(ctx.l1, ctx.l1Wallet, {
        address: ctx.addresses.Portal,
        abi: abiOf('Portal'),
        functionName: 'finalizeWithdrawal',
        args: [ctx.l2ChainId, w.withdrawal],
        account: ctx.account,
        chain: ctx.l1Wallet.chain,
      })
    } catch (err) {
      if (!isRevertNamed(err, 'InsufficientLockedEth') || Date.now() >= deadline) throw err
      await sleep(opts.pollMs ?? 1_000)
    }
  }
}

/** Whether `err` is (or wraps) a contract revert with the custom error `name`. */
function isRevertNamed(err: unknown, name: string): boolean {
  return err instanceof ViemBaseError && Boolean(err.walk((e) => e instanceof ContractFunctionRevertedError && e.data?.errorName === name))
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
