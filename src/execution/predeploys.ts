/**
 * Fixed addresses of the L2 system contracts and accounts, the same as the OP Stack's
 * so tools written for it work unchanged.
 */
export const PREDEPLOYS = {
  /** ERC-20 deposits and withdrawals (L2 side of the portal's token escrow). */
  L2StandardBridge: '0x4200000000000000000000000000000000000010',
  /** Receives priority fees (the sequencer's coinbase). */
  SequencerFeeVault: '0x4200000000000000000000000000000000000011',
  /** The L1 block the chain last derived from: number, hash, base fees, fee scalars. */
  L1Block: '0x4200000000000000000000000000000000000015',
  /** Withdrawals: `sentMessages[hash]` at storage slot 0 is what L1 proves against. */
  L2ToL1MessagePasser: '0x4200000000000000000000000000000000000016',
  /** Receives the L1 data fee of every transaction. */
  L1FeeVault: '0x420000000000000000000000000000000000001a',
  /** Interop: validates executing messages declared in the transaction's access list. */
  CrossL2Inbox: '0x4200000000000000000000000000000000000022',
  /** Interop: sends and relays messages between the network's chains. */
  L2ToL2CrossDomainMessenger: '0x4200000000000000000000000000000000000023',
  /** Interop: moves the native asset between chains (burn into ETHLiquidity, mint out of it). */
  SuperchainETHBridge: '0x4200000000000000000000000000000000000024',
  /** Interop: the native-asset reserve SuperchainETHBridge burns into and mints from. */
  ETHLiquidity: '0x4200000000000000000000000000000000000025',
  /** Interop: moves ERC-7802 (SuperchainERC20) tokens between chains. */
  SuperchainTokenBridge: '0x4200000000000000000000000000000000000028',
  /** Interop: a message's sender pays here (on the source chain) for the gas of its relay. */
  RelayGasPaymaster: '0x4200000000000000000000000000000000000029',
} as const satisfies Record<string, `0x${string}`>

/** Sender of the L1-info system deposit that opens every block. */
export const DEPOSITOR_ACCOUNT = '0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001' as const

/**
 * The network's reference SuperchainERC20 ("Plexus Token", PLX, 18 decimals): the same
 * address and code on every chain, so it moves between them through the
 * SuperchainTokenBridge without a wrapped copy anywhere.
 */
export const REFERENCE_SUPERCHAIN_TOKEN = '0x4200000000000000000000000000000000000500' as const

/**
 * Why a genesis account may not be given by a user: it is a Plexus system address (the
 * OP Stack's predeploy namespace 0x4200…0000 – 0x4200…07ff, where every Plexus predeploy
 * and the reference token live, or the system depositor). Undefined when the address is free.
 */
export function reservedAddressReason(address: string): string | undefined {
  const a = address.toLowerCase()
  const named = Object.entries({ ...PREDEPLOYS, ReferenceSuperchainToken: REFERENCE_SUPERCHAIN_TOKEN, Depositor: DEPOSITOR_ACCOUNT }).find(
    ([, addr]) => addr.toLowerCase() === a,
  )
  if (named) return `is the ${named[0]} system address`
  if (/^0x4200000000000000000000000000000000000[0-7][0-9a-f]{2}$/.test(a)) return 'is in the predeploy namespace 0x4200…0000 – 0x4200…07ff reserved for Plexus system contracts'
  return undefined
}
