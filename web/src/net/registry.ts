/**
 * The network as `plexus_getChainRegistry` describes it (and `eth_subscribe("plexus_chains")`
 * pushes again whenever a chain joins).
 */
export interface ChainRegistry {
  l1: { chainId: number; rpcUrl: string; contracts: Record<string, `0x${string}`> }
  slotTimeMs: number
  chains: RegistryChain[]
  /** The chains hold the public test mnemonic's dev accounts (a dev network; never a real one). */
  devAccounts?: boolean
}

export interface RegistryChain {
  chainId: number
  name: string
  rpcUrls: { http: string[]; webSocket?: string[] }
  nativeCurrency: { name: string; symbol: string; decimals: number }
  /** EIP-3085 wallet_addEthereumChain parameters. */
  addEthereumChain: Record<string, unknown>
  contracts: { l2: Record<string, `0x${string}`>; superchainERC20?: Record<string, `0x${string}`>; l1?: Record<string, `0x${string}`> }
}

/** A message as plexus_getMessage / plexus_listMessages / plexus_messages report it. */
export interface RpcMessage {
  msgHash: `0x${string}`
  index: number
  status: 'sent' | 'relayed' | 'failed'
  source: `0x${string}`
  destination: `0x${string}`
  nonce: `0x${string}`
  sender: `0x${string}`
  target: `0x${string}`
  message: `0x${string}`
  identifier: { origin: `0x${string}`; blockNumber: `0x${string}`; logIndex: `0x${string}`; timestamp: `0x${string}`; chainId: `0x${string}` }
  payload: `0x${string}`
  sourceTx: `0x${string}`
  destinationTx: `0x${string}` | null
  destinationBlock: `0x${string}` | null
  failure: string | null
  relayAttempts: `0x${string}`
  /** Relay gas paid for it on its source chain (RelayGasPaymaster.payForRelay). */
  paidGas: `0x${string}`
  /** What the network's next relay gives the target: paid, plus a bridge's allowance, less what its failed relays used. */
  relayGas: `0x${string}`
  /** False when relayGas is 0: the network does not relay it; a top-up or a hand relay does. */
  autoRelay: boolean
}

export interface RpcBundle {
  bundleId: `0x${string}`
  status: 'pending' | 'included' | 'rejected'
  submittedSlot?: `0x${string}`
  deadlineSlot?: `0x${string}` | null
  slot?: `0x${string}`
  txs?: { chainId: `0x${string}`; hash: `0x${string}`; blockNumber: `0x${string}`; blockHash: `0x${string}` }[]
  reason?: string
  failed?: { chainId: `0x${string}`; hash: `0x${string}`; reason: string } | null
  lastFailure?: { chainId: `0x${string}`; hash: `0x${string}`; reason: string } | null
}

export interface RpcDeposit {
  status: 'pending' | 'included'
  l1TxHash: `0x${string}`
  l1BlockNumber: `0x${string}`
  from: `0x${string}`
  to: `0x${string}` | null
  mint: `0x${string}`
  value: `0x${string}`
  l2TxHash: `0x${string}`
  l2BlockNumber: `0x${string}` | null
  l2Success: boolean | null
}

export type WithdrawalStage = 'initiated' | 'ready-to-prove' | 'proven' | 'finalizable' | 'finalized'

export interface RpcWithdrawal {
  withdrawalHash: `0x${string}`
  stage: WithdrawalStage
  l2TxHash: `0x${string}`
  l2BlockNumber: `0x${string}`
  withdrawal: { nonce: `0x${string}`; sender: `0x${string}`; target: `0x${string}`; value: `0x${string}`; gasLimit: `0x${string}`; data: `0x${string}` }
  output: { index: `0x${string}`; l2BlockNumber: `0x${string}`; timestamp: `0x${string}` } | null
  provenAt: `0x${string}` | null
  finalizableAt: `0x${string}` | null
  l1Time: `0x${string}`
  proof?: {
    outputIndex: `0x${string}`
    outputRootProof: { version: `0x${string}`; stateRoot: `0x${string}`; messagePasserStorageRoot: `0x${string}`; latestBlockhash: `0x${string}` }
    withdrawalProof: `0x${string}`[]
  } | null
}

export interface SyncStatus {
  unsafe: { number: `0x${string}`; hash: `0x${string}` } | null
  safe: { number: `0x${string}`; hash: `0x${string}` } | null
  finalized: { number: `0x${string}`; hash: `0x${string}` } | null
  l1: { number: `0x${string}`; hash: `0x${string}` } | null
  latestOutput: `0x${string}`
  unbatchedBlocks?: `0x${string}`
  outputInterval?: `0x${string}`
  nextOutput?: `0x${string}`
  outputDue?: boolean
}
