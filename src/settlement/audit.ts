import { getContractAddress, pad, parseAbiItem, toHex, type Hex, type PublicClient } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import type { GasToken } from '../execution/gasToken.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { ERC20_SLOTS, ETH_LIQUIDITY_GENESIS_BALANCE } from '../execution/rollupGenesis.js'
import { loadArtifact } from '../primitives/artifacts.js'
import { hexToBytes } from '../primitives/hex.js'
import { abiOf } from './l1/abis.js'
import { ethSentAt } from './ethFlowSettler.js'

/**
 * The money audit (`plexus audit`, `plexus_audit`): for every asset, what the chains hold
 * against what L1 escrows for them. The invariant it checks, per chain and for the whole
 * network: what a chain owes its users — the asset circulating on it, what is on its way
 * to it from other chains, and what its users withdrew to L1 and L1 has not paid yet —
 * is never more than what backs it on L1 — its escrow, plus the flows from other chains
 * that L1 has not moved yet, less those to other chains. Summed over the network the
 * flows cancel: L2 supply ≤ L1 escrow − what is in flight to L1.
 *
 * Every L2 figure is read from one state root per chain (the chain's head) and L1 is read
 * afterwards, at one block. The figures are counters that only grow (sent, released,
 * settled), so reading L1 later than L2 never breaks the inequality: a deposit not on L2
 * yet is surplus, a withdrawal paid since lowers both sides alike.
 */

export interface AuditChain {
  chainId: bigint
  chain: ChainReader
  gasToken?: GasToken
}

export interface AuditOptions {
  l1: PublicClient
  portal: Hex
  /** L1 block the network's contracts were deployed at: where bridged tokens are looked for. */
  fromBlock: bigint
  chains: readonly AuditChain[]
}

/** One chain's side of one asset. Amounts in the asset's L2 units (wei for ETH and gas tokens). */
export interface ChainAudit {
  chainId: bigint
  /** On the chain, and on its way to it from other chains. */
  l2Supply: bigint
  /** Withdrawn to L1 and not yet paid out there. */
  inFlightToL1: bigint
  /** What backs it on L1 (escrow, plus unsettled flows in, less unsettled flows out). */
  backing: bigint
  /** backing − l2Supply − inFlightToL1: never negative when the chain is solvent. */
  surplus: bigint
  ok: boolean
}

export interface AssetAudit {
  /** 'ETH', the gas token's symbol, or the bridged token's. */
  asset: string
  kind: 'eth' | 'gas-token' | 'bridged-erc20'
  l1Token?: Hex
  l2Supply: bigint
  /** What L1 escrows for the chains below. */
  l1Escrow: bigint
  inFlightToL1: bigint
  /** l1Escrow − inFlightToL1 − l2Supply. */
  surplus: bigint
  ok: boolean
  chains: ChainAudit[]
}

export interface AuditReport {
  ok: boolean
  /** The L1 block everything on L1 was read at. */
  l1Block: bigint
  /** Each chain's L2 block the audit read. */
  l2Blocks: { chainId: bigint; number: bigint }[]
  assets: AssetAudit[]
  /** The Portal's ETH balance: never below the ETH it escrows. */
  portalEthBalance: bigint
}

const MESSAGE_PASSER = hexToBytes(PREDEPLOYS.L2ToL1MessagePasser)
const ETH_LIQUIDITY = hexToBytes(PREDEPLOYS.ETHLiquidity)
const DEPOSIT_INITIATED = parseAbiItem('event ERC20DepositInitiated(uint256 indexed chainId, address indexed l1Token, address indexed from, address to, uint256 amount)')
const TOTAL_SUPPLY_SLOT = hexToBytes(pad(toHex(ERC20_SLOTS.totalSupply)))
/** getLogs range per request: what public RPC providers commonly allow. */
const LOG_RANGE = 10_000n

/** What one chain's head state says about its native asset and the ETH it sent. */
interface ChainState {
  c: AuditChain
  number: bigint
  stateRoot: Uint8Array
  circulating: bigint
  passer: bigint
  liquidity: bigint
  /** ETH sent to each other chain (by chain id, as a string). */
  sentTo: Map<bigint, bigint>
}

async function readChain(c: AuditChain, ids: readonly bigint[]): Promise<ChainState> {
  const head = c.chain.headHeader()
  const [total, passer, liquidity] = await Promise.all([
    c.chain.totalBalanceAt(head.stateRoot),
    c.chain.accountAt(head.stateRoot, MESSAGE_PASSER).then((a) => a?.balance ?? 0n),
    c.chain.accountAt(head.stateRoot, ETH_LIQUIDITY).then((a) => a?.balance ?? 0n),
  ])
  const others = ids.filter((id) => id !== c.chainId)
  const sent = c.gasToken ? others.map(() => 0n) : await ethSentAt(c.chain, head.stateRoot, others)
  return {
    c,
    number: head.number,
    stateRoot: head.stateRoot,
    circulating: total - passer - liquidity,
    passer,
    liquidity,
    sentTo: new Map(others.map((id, i) => [id, sent[i]!])),
  }
}

/** Audits every asset of the network. */
export async function auditNetwork(opts: AuditOptions): Promise<AuditReport> {
  const ids = opts.chains.map((c) => c.chainId)
  // L2 first, then L1 (see the module comment).
  const states = await Promise.all(opts.chains.map((c) => readChain(c, ids)))
  const l1Block = await opts.l1.getBlockNumber()
  const portal = (functionName: string, args: unknown[]) =>
    opts.l1.readContract({ address: opts.portal, abi: abiOf('Portal'), functionName, args, blockNumber: l1Block }) as Promise<bigint>

  const ethChains = states.filter((s) => !s.c.gasToken)
  const assets: AssetAudit[] = []
  if (ethChains.length > 0) assets.push(await auditEth(ethChains, portal))
  for (const s of states.filter((s) => s.c.gasToken)) assets.push(await auditGasToken(s, portal))
  assets.push(...(await auditBridged(opts, states, l1Block, portal)))
  return {
    ok: assets.every((a) => a.ok),
    l1Block,
    l2Blocks: states.map((s) => ({ chainId: s.c.chainId, number: s.number })),
    assets,
    portalEthBalance: await opts.l1.getBalance({ address: opts.portal, blockNumber: l1Block }),
  }
}

type PortalRead = (functionName: string, args: unknown[]) => Promise<bigint>

async function auditEth(states: ChainState[], portal: PortalRead): Promise<AssetAudit> {
  const chains: ChainAudit[] = []
  for (const s of states) {
    const id = s.c.chainId
    const [locked, released] = await Promise.all([portal('ethLocked', [id]), portal('nativeReleased', [id])])
    const sentOut = [...s.sentTo.values()].reduce((a, b) => a + b, 0n)
    // ETHLiquidity starts with a fixed reserve; it grows by what is sent out, shrinks by what is relayed in.
    const relayedIn = ETH_LIQUIDITY_GENESIS_BALANCE + sentOut - s.liquidity
    let sentIn = 0n
    let unsettledIn = 0n
    let unsettledOut = 0n
    for (const other of states) {
      if (other === s) continue
      const to = other.sentTo.get(id) ?? 0n
      sentIn += to
      unsettledIn += to - (await portal('ethFlowSettled', [other.c.chainId, id]))
      unsettledOut += (s.sentTo.get(other.c.chainId) ?? 0n) - (await portal('ethFlowSettled', [id, other.c.chainId]))
    }
    const l2Supply = s.circulating + (sentIn - relayedIn)
    const inFlightToL1 = s.passer - released
    const backing = locked + unsettledIn - unsettledOut
    chains.push(chainAudit(id, l2Supply, inFlightToL1, backing))
  }
  const escrow = (await Promise.all(states.map((s) => portal('ethLocked', [s.c.chainId])))).reduce((a, b) => a + b, 0n)
  return assetAudit({ asset: 'ETH', kind: 'eth' }, escrow, chains)
}

async function auditGasToken(s: ChainState, portal: PortalRead): Promise<AssetAudit> {
  const token = s.c.gasToken!
  const unit = 10n ** BigInt(18 - token.decimals)
  const [locked, released] = await Promise.all([portal('erc20Locked', [s.c.chainId, token.address]), portal('nativeReleased', [s.c.chainId])])
  // A gas-token chain's ETHLiquidity is inert: its reserve never moves, nothing is relayed in.
  const chain = chainAudit(s.c.chainId, s.circulating, s.passer - released, locked * unit)
  return assetAudit({ asset: token.symbol, kind: 'gas-token', l1Token: token.address }, locked * unit, [chain])
}

/** Bridged ERC-20s: an L1 token locked for a chain against its BridgedERC20's supply there (they do not move between chains). */
async function auditBridged(opts: AuditOptions, states: ChainState[], l1Block: bigint, portal: PortalRead): Promise<AssetAudit[]> {
  const deposited = new Map<Hex, Set<bigint>>()
  for (let from = opts.fromBlock; from <= l1Block; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < l1Block ? from + LOG_RANGE - 1n : l1Block
    const logs = await opts.l1.getLogs({ address: opts.portal, event: DEPOSIT_INITIATED, fromBlock: from, toBlock: to })
    for (const log of logs) {
      const token = log.args.l1Token!.toLowerCase() as Hex
      if (!deposited.has(token)) deposited.set(token, new Set())
      deposited.get(token)!.add(log.args.chainId!)
    }
  }
  const initCode = loadArtifact('BridgedERC20').bytecode
  const assets: AssetAudit[] = []
  for (const [token, chainIds] of deposited) {
    const l2Token = getContractAddress({ opcode: 'CREATE2', from: PREDEPLOYS.L2StandardBridge, salt: pad(token), bytecode: initCode })
    const chains: ChainAudit[] = []
    let escrow = 0n
    for (const s of states.filter((s) => chainIds.has(s.c.chainId))) {
      const raw = await s.c.chain.storageAt(s.stateRoot, hexToBytes(l2Token), TOTAL_SUPPLY_SLOT)
      const supply = raw.length === 0 ? 0n : BigInt(`0x${Buffer.from(raw).toString('hex')}`)
      const locked = await portal('erc20Locked', [s.c.chainId, token])
      escrow += locked
      // A bridged withdrawal burns on L2 at once and is paid from escrow later: nothing in flight counts twice.
      chains.push(chainAudit(s.c.chainId, supply, 0n, locked))
    }
    assets.push(assetAudit({ asset: `bridged ${token}`, kind: 'bridged-erc20', l1Token: token }, escrow, chains))
  }
  return assets
}

function chainAudit(chainId: bigint, l2Supply: bigint, inFlightToL1: bigint, backing: bigint): ChainAudit {
  const surplus = backing - l2Supply - inFlightToL1
  return { chainId, l2Supply, inFlightToL1, backing, surplus, ok: surplus >= 0n }
}

function assetAudit(what: Pick<AssetAudit, 'asset' | 'kind' | 'l1Token'>, l1Escrow: bigint, chains: ChainAudit[]): AssetAudit {
  const l2Supply = chains.reduce((a, c) => a + c.l2Supply, 0n)
  const inFlightToL1 = chains.reduce((a, c) => a + c.inFlightToL1, 0n)
  const surplus = l1Escrow - inFlightToL1 - l2Supply
  return { ...what, l2Supply, l1Escrow, inFlightToL1, surplus, ok: surplus >= 0n && chains.every((c) => c.ok), chains }
}
