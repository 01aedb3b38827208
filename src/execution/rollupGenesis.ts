import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import { loadArtifact } from '../primitives/artifacts.js'
import { devAccounts, devGenesis, type DevGenesisOptions, type GethAllocAccount, type GethGenesis } from './genesis.js'
import { ConfigError } from '../primitives/errors.js'
import { gasTokenStorage, type GasToken } from './gasToken.js'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN, reservedAddressReason } from './predeploys.js'

export interface RollupGenesisOptions extends DevGenesisOptions {
  /** The network's L1 Portal: the L2 bridge only accepts deposits it sent. */
  l1Portal: `0x${string}`
  /**
   * Accounts that start with {@link PLX_GENESIS_BALANCE} of the reference SuperchainERC20
   * (PLX) each; default: the dev accounts. The same on every chain of a network, so the
   * network-wide supply is this times the number of chains.
   */
  tokenHolders?: Hex[]
  /**
   * The chain's native asset when it is an L1 ERC-20 (written to L1Block's OP Stack gas-token
   * slots); unset: ETH. Genesis balances are native wei either way (18 decimals).
   */
  gasToken?: GasToken
}

/** PLX each token holder starts with on each chain: 1,000,000 tokens (18 decimals). */
export const PLX_GENESIS_BALANCE = 1_000_000n * 10n ** 18n

/** ETHLiquidity's genesis balance, the OP Stack's: more than could ever be bridged in. */
export const ETH_LIQUIDITY_GENESIS_BALANCE = (1n << 248n) - 1n

/**
 * Storage slots of OpenZeppelin 5.x `ERC20` (`_balances`, `_allowances`, `_totalSupply`,
 * `_name`, `_symbol` in declaration order) that PlexusToken's genesis storage is written to.
 * PlexusToken and SuperchainERC20 declare no storage of their own.
 */
export const ERC20_SLOTS = { balances: 0n, totalSupply: 2n } as const

/**
 * Genesis of a chain settled on L1: the dev genesis plus the system predeploys as runtime
 * code — L1Block (with the native asset, ETH or a gas token), L2ToL1MessagePasser, L2StandardBridge (its `l1Portal` at slot 0), and the
 * interop set: CrossL2Inbox, L2ToL2CrossDomainMessenger, SuperchainETHBridge, ETHLiquidity
 * (funded with {@link ETH_LIQUIDITY_GENESIS_BALANCE}), SuperchainTokenBridge and the
 * reference token PlexusToken with its holders' balances and total supply. Predeploy
 * constructors never run, so no contract may rely on one.
 */
export function rollupGenesis(opts: RollupGenesisOptions): GethGenesis {
  for (const address of Object.keys(opts.alloc ?? {})) {
    const reason = reservedAddressReason(address)
    if (reason) throw new ConfigError(`alloc.${address}`, `${reason}; give the account another address`)
  }
  const genesis = devGenesis(opts)
  const code = (name: string) => loadArtifact(name).deployedBytecode
  genesis.alloc[PREDEPLOYS.L1Block] = {
    balance: '0x0',
    code: code('L1Block'),
    ...(opts.gasToken ? { storage: gasTokenStorage(opts.gasToken) } : {}),
  }
  genesis.alloc[PREDEPLOYS.L2ToL1MessagePasser] = { balance: '0x0', code: code('L2ToL1MessagePasser') }
  genesis.alloc[PREDEPLOYS.L2StandardBridge] = {
    balance: '0x0',
    code: code('L2StandardBridge'),
    storage: { '0x0': word(BigInt(opts.l1Portal)) },
  }
  genesis.alloc[PREDEPLOYS.CrossL2Inbox] = { balance: '0x0', code: code('CrossL2Inbox') }
  genesis.alloc[PREDEPLOYS.L2ToL2CrossDomainMessenger] = { balance: '0x0', code: code('L2ToL2CrossDomainMessenger') }
  genesis.alloc[PREDEPLOYS.SuperchainETHBridge] = { balance: '0x0', code: code('SuperchainETHBridge') }
  genesis.alloc[PREDEPLOYS.ETHLiquidity] = { balance: quantity(ETH_LIQUIDITY_GENESIS_BALANCE), code: code('ETHLiquidity') }
  genesis.alloc[PREDEPLOYS.SuperchainTokenBridge] = { balance: '0x0', code: code('SuperchainTokenBridge') }
  genesis.alloc[PREDEPLOYS.RelayGasPaymaster] = { balance: '0x0', code: code('RelayGasPaymaster') }
  genesis.alloc[REFERENCE_SUPERCHAIN_TOKEN] = tokenAlloc(
    code('PlexusToken'),
    opts.tokenHolders ?? (opts.devAccounts === false ? [] : devAccounts().map((a) => a.address)),
  )
  return genesis
}

/** PlexusToken's account: code, each (distinct) holder's balance and the total supply. */
function tokenAlloc(code: Hex, holders: Hex[]): GethAllocAccount {
  const distinct = [...new Set(holders.map((h) => h.toLowerCase() as Hex))]
  const storage: Record<string, string> = {}
  for (const holder of distinct) storage[balanceSlot(holder)] = word(PLX_GENESIS_BALANCE)
  if (distinct.length > 0) storage[word(ERC20_SLOTS.totalSupply)] = word(PLX_GENESIS_BALANCE * BigInt(distinct.length))
  return { balance: '0x0', code, storage }
}

/** Slot of `_balances[holder]`: keccak256(abi.encode(holder, uint256(0))). */
export function balanceSlot(holder: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [holder, ERC20_SLOTS.balances]))
}

function word(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}`
}

function quantity(value: bigint): string {
  return `0x${value.toString(16)}`
}
