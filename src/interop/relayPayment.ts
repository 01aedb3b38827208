import { decodeAbiParameters, parseAbi, toEventSelector } from 'viem'
import { PREDEPLOYS } from '../execution/predeploys.js'
import type { Hex } from '../primitives/hex.js'

/**
 * Who pays for a relay. A message is relayed by the network only with gas its sender paid
 * for on the source chain (`RelayGasPaymaster.payForRelay`, event `RelayGasPaid`), or, for
 * the network's own bridges, with a fixed allowance the network pays; the relay transaction
 * gets that gas for the target plus the computed cost of `relayMessage` itself, never more.
 */

export const paymasterAbi = parseAbi([
  'event RelayGasPaid(bytes32 indexed msgHash, uint256 indexed destination, uint256 gasLimit, address indexed payer, uint256 amount)',
  'function quoteRelay(uint256 destination, uint256 gasLimit) view returns (uint256)',
  'function gasPrice() view returns (uint256)',
  'function payForRelay(bytes32 msgHash, uint256 destination, uint256 gasLimit) payable',
  'function paidGas(bytes32 msgHash) view returns (uint256)',
  'function destinationOf(bytes32 msgHash) view returns (uint256)',
  'error ZeroGas()',
  'error DestinationSameChain()',
  'error ZeroDestination()',
  'error DestinationMismatch(uint256 paidFor, uint256 given)',
  'error GasLimitTooHigh(uint256 total, uint256 max)',
  'error InsufficientPayment(uint256 required, uint256 sent)',
  'error TransferFailed()',
])

export const RELAY_GAS_PAID_TOPIC: Hex = toEventSelector(paymasterAbi[0])

const PAYMASTER = PREDEPLOYS.RelayGasPaymaster

/** One `RelayGasPaid` log: `gasLimit` more gas for the relay of `msgHash` to `destination`. */
export interface RelayGasPayment {
  msgHash: Hex
  destination: bigint
  gasLimit: bigint
  payer: Hex
  amount: bigint
}

/** The payment a log records, or undefined if it is not the paymaster's `RelayGasPaid`. */
export function relayGasPaidFromLog(log: { address: Hex; topics: readonly Hex[]; data: Hex }): RelayGasPayment | undefined {
  if (log.address.toLowerCase() !== PAYMASTER || log.topics.length !== 4 || log.topics[0]!.toLowerCase() !== RELAY_GAS_PAID_TOPIC) return undefined
  try {
    const [gasLimit, amount] = decodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], log.data)
    return {
      msgHash: log.topics[1]!.toLowerCase() as Hex,
      destination: BigInt(log.topics[2]!),
      gasLimit,
      payer: `0x${log.topics[3]!.slice(26).toLowerCase()}`,
      amount,
    }
  } catch {
    return undefined
  }
}

/**
 * Gas `relayMessage` spends besides the target's call, for a `SentMessage` payload of
 * `payloadBytes` bytes: before the call (CrossL2Inbox.validateMessage and its checksum
 * hashing, decoding, the message hash, the `successfulMessages` write from zero, the
 * transient context, the call to a cold target) and after it (the `RelayedMessage` log,
 * hashing the return data, clearing the context): `RELAY_FIXED_GAS`, plus
 * `RELAY_GAS_PER_WORD` per 32-byte word the payload is copied and hashed with. Both are
 * upper bounds measured on the compiled messenger (`relayPayment.test.ts` keeps them
 * true: a target that burns everything it is given never gets more than it was paid for
 * plus the post-call reserve, and a target that returns at once leaves the relay succeed).
 */
export const RELAY_FIXED_GAS = 41_000n
export const RELAY_GAS_PER_WORD = 60n
/**
 * Of the overhead, what is left for the messenger after the target returns (the log, the
 * return data's hash, clearing the context: ~3k; measured ~7.4k are left for it). The EVM
 * lets a call take 63/64 of what is left, so the target can get up to this much above what
 * was paid when what was paid is small (the 63/64 rule takes more than this back above
 * ~0.5M gas paid); a target that uses more than it was paid for leaves the messenger too
 * little, and the relay fails.
 */
export const RELAY_POST_CALL_GAS = 8_000n

export function relayExecutionOverhead(payloadBytes: number): bigint {
  return RELAY_FIXED_GAS + RELAY_GAS_PER_WORD * BigInt(Math.ceil(payloadBytes / 32))
}

/**
 * The gas limit of a relay transaction giving the target `callGas`: the transaction's
 * intrinsic gas (calldata, access list) + the messenger's overhead + `callGas`, and at
 * least its EIP-7623 calldata floor (`minimumGasLimit`), which the transaction is charged
 * anyway.
 */
export function relayTxGasLimit(intrinsic: bigint, minimumGasLimit: bigint, payloadBytes: number, callGas: bigint): bigint {
  const limit = intrinsic + relayExecutionOverhead(payloadBytes) + callGas
  return limit > minimumGasLimit ? limit : minimumGasLimit
}

/** The inverse of `relayTxGasLimit`: what a relay transaction of `gasLimit` gave the target (the part of a paid budget it used up). */
export function callGasOfRelay(gasLimit: bigint, intrinsic: bigint, payloadBytes: number): bigint {
  const call = gasLimit - intrinsic - relayExecutionOverhead(payloadBytes)
  return call > 0n ? call : 0n
}

/**
 * What the network pays for the relay of its own bridges' messages, which users and the
 * dashboard rely on being delivered without a second step:
 * - `SuperchainETHBridge.relayETH` runs no recipient code (SafeSend), a known cost: about
 *   100k to a fresh account (SafeSend's CREATE, and the new account its value makes), which
 *   failed with a 100k allowance — measured, so 150k;
 * - `SuperchainTokenBridge.relayERC20` runs the token's `crosschainMint`, any code the
 *   token has: capped here.
 * The source transaction that sends either message (a burn, the messenger's write and
 * log, and the first record of a destination in the message passer: about 90–120k gas at
 * the source's base fee) costs its sender about as much as the
 * allowance gives the relay, so a flood of them amplifies at most ~2–3× and stays inside the
 * per-block relay budget (half a block), which users' transactions never compete with.
 * The messenger's own overhead (`relayExecutionOverhead`) comes on top, as for paid messages.
 */
export const BRIDGE_RELAY_ALLOWANCE = {
  [PREDEPLOYS.SuperchainETHBridge]: 150_000n,
  [PREDEPLOYS.SuperchainTokenBridge]: 200_000n,
} as const satisfies Record<string, bigint>

/** The gas the network gives a message's relay unpaid: a bridge's allowance, else 0. */
export function networkAllowance(m: { sender: Hex; target: Hex }): bigint {
  const sender = m.sender.toLowerCase()
  if (sender !== m.target.toLowerCase()) return 0n
  return (BRIDGE_RELAY_ALLOWANCE as Record<string, bigint>)[sender] ?? 0n
}
