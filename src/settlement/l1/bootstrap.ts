import { createPublicClient, createWalletClient, defineChain, http, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../../primitives/logger.js'
import { configureSuperRootOracle, ensureL1Contracts, type L1Deployment, type PersistL1 } from './deploy.js'
import { fundRoles } from './fundRoles.js'
import type { L1Signer } from './l1Transactions.js'
import { ensureNetworkBatcher } from './networkBatcherRole.js'
import { NETWORK_ROLE, roleKey } from './roleKeys.js'
import { sendQueue } from './sendQueue.js'

export interface L1BootstrapParams {
  url: string
  /** Deploys the contracts and funds the role keys derived from it. */
  deployerKey: Hex
  /** Guardian of the output oracle (default the deployer). */
  guardian?: Hex
  /** ETH sent to each role key holding less than half of it. */
  roleFunding: bigint
  /** Where the deployment is recorded (`<datadir>/l1/deployment.json`). */
  datadir: string
  /** Aborted when the network stops: every request and wait of these signers gives up. */
  signal: AbortSignal
  persist?: PersistL1
  logger: Logger
}

/** The network's L1 side once bootstrapped: its clients, keys and contracts. */
export interface L1Network {
  publicClient: PublicClient
  l1ChainId: number
  /** A signer for `key` on this L1; one per key, so all of a key's sends share one queue. */
  signer(key: Hex): L1Signer
  deployer: L1Signer
  /** The network batcher's signer: it posts every chain's blocks. */
  batcher: L1Signer
  deployment: L1Deployment
}

/**
 * Connects to the L1, deploys (or finds) the network's contracts, and funds and sets the
 * network batcher. The deployer's sends queue (`L1Signer.sends`), so what follows may
 * register many chains at once.
 */
export async function bootstrapL1(p: L1BootstrapParams): Promise<L1Network> {
  const fetchOptions = { signal: p.signal }
  const publicClient = createPublicClient({ transport: http(p.url, { retryCount: 3, fetchOptions }) }) as PublicClient
  const l1ChainId = await publicClient.getChainId()
  const chain = defineChain({
    id: l1ChainId,
    name: `L1 ${l1ChainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [p.url] } },
  })
  const signers = new Map<Hex, L1Signer>()
  const signer = (key: Hex): L1Signer => {
    let s = signers.get(key)
    if (!s) {
      const account = privateKeyToAccount(key)
      s = { account, chain, publicClient, wallet: createWalletClient({ account, chain, transport: http(p.url, { fetchOptions }) }), signal: p.signal, sends: sendQueue() }
      signers.set(key, s)
    }
    return s
  }
  const deployer = signer(p.deployerKey)
  const deployment = await ensureL1Contracts(deployer, p.datadir, p.guardian ?? deployer.account.address, p.logger, p.persist)
  const batcher = signer(roleKey(p.deployerKey, 'network-batcher', NETWORK_ROLE))
  await fundRoles(deployer, [batcher.account.address], p.roleFunding)
  await ensureNetworkBatcher(deployer, deployment.contracts.ChainRegistry, batcher.account.address)
  return { publicClient, l1ChainId, signer, deployer, batcher, deployment }
}

/**
 * The super-root proposer's signer, funded, and the SuperRootOracle set to take its
 * proposals with `challengeWindow` seconds to challenge them.
 */
export async function ensureSuperRootProposer(l1: L1Network, deployerKey: Hex, roleFunding: bigint, challengeWindow: bigint): Promise<L1Signer> {
  const proposer = l1.signer(roleKey(deployerKey, 'super-proposer', NETWORK_ROLE))
  await fundRoles(l1.deployer, [proposer.account.address], roleFunding)
  await configureSuperRootOracle(l1.deployer, l1.deployment.contracts.SuperRootOracle!, { proposer: proposer.account.address, challengeWindow })
  return proposer
}
