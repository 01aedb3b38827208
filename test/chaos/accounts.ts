import { keccak256, toHex, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'

/**
 * Who sends what. Each role has its own account, so no two parts of the load share a
 * nonce sequence (a lost transaction of one role cannot stall another). Dev account 9 is
 * the embedded L1's deployer and is never used on L1; on L2 it is never touched, so its
 * balance is a witness that nothing moves what nobody sent.
 */
const dev = devAccounts(10).map((a) => privateKeyToAccount(a.privateKey))

export const ROLES = {
  /** ETH transfers on every chain. */
  transfers: [dev[0]!, dev[1]!],
  /** Cross-chain messages: SuperchainETHBridge.sendETH, SuperchainTokenBridge.sendERC20 (PLX), sendMessage to a reverting target. */
  messages: dev[2]!,
  /** Atomic bundles over both chains (and the fault that interrupts a slot's commits). */
  bundles: dev[3]!,
  /** Withdrawals (L2ToL1MessagePasser.initiateWithdrawal). */
  withdrawals: dev[4]!,
  /** L1 deposits (Portal.depositETH). */
  deposits: dev[5]!,
  /** The hostile corpus's own transactions (nonces far ahead, so they stay queued). */
  hostile: dev[6]!,
  /** Funds the burst's senders. */
  funder: dev[7]!,
  /** Deploys the reverting contract at nonce 0 on every chain (so it has one address everywhere). */
  deployer: dev[8]!,
  /** Never used on L2. */
  untouched: dev[9]!,
} as const

/**
 * The burst's senders: keys derived from a label, not the mnemonic (deriving hundreds of
 * HD keys is slow), funded by `ROLES.funder` before the burst.
 */
export function burstSenders(count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) => privateKeyToAccount(keccak256(toHex(`plexus-chaos-burst-${i}`)) as Hex))
}

/** A recipient nobody controls, different per chain and role, so balances are easy to read. */
export function sink(label: string): Hex {
  return `0x${keccak256(toHex(`plexus-chaos-sink-${label}`)).slice(26)}` as Hex
}
