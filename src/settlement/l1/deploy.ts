import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { BaseError as ViemError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type Hex, type PublicClient } from 'viem'
import { BaseError } from '../../primitives/errors.js'
import type { Logger } from '../../primitives/logger.js'
import { loadArtifact } from '../../primitives/artifacts.js'
import { abiOf, L1_CONTRACTS, type L1ContractName } from './abis.js'
import { waitForSuccess, writeAndWait, type L1Signer } from './l1Transactions.js'

/** Where the network's L1 contracts live, recorded in the datadir after the first start. */
export interface L1Deployment {
  l1ChainId: number
  /** Hash of L1 block 0 when the contracts were deployed. */
  l1GenesisHash: Hex
  contracts: Record<L1ContractName, Hex>
  deployedAtBlock: string
  /**
   * Hash of the L1 block the first contract was deployed in: tells a reset L1 (same chain
   * id, new history) from ours. Block 0 cannot: an embedded anvil that reloads its state
   * makes a fresh genesis block each start, and which one it then serves as block 0 varies.
   * Absent in datadirs recorded before it (those are checked by block 0).
   */
  deployedAtBlockHash?: Hex
}

/**
 * Makes every L1 block so far survive a crash of the L1 (the embedded anvil writes its
 * state to disk); called before the datadir records something that lives on L1, so a
 * record never outlives what it points to. Absent for an external L1, which keeps its
 * own blocks.
 */
export type PersistL1 = () => Promise<unknown>

/** The datadir was made against an L1 that no longer holds its contracts. */
export class L1MismatchError extends BaseError {
  override name = 'L1MismatchError'
}

export function deploymentFile(datadir: string): string {
  return path.join(datadir, 'l1', 'deployment.json')
}

export function readDeployment(datadir: string): L1Deployment | undefined {
  const file = deploymentFile(datadir)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as L1Deployment) : undefined
}

function writeDeployment(datadir: string, d: L1Deployment): void {
  const file = deploymentFile(datadir)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(d, null, 2) + '\n')
}

/**
 * The network's L1 contracts: reused when the datadir records them and the L1 still
 * has them, deployed (and recorded) on first start. A contract the record lacks (added
 * to Plexus after the datadir was made, e.g. the SuperRootOracle, or left out by a
 * start that failed part-way) is deployed and recorded without touching the others.
 * Fails clearly when the datadir belongs to another L1 or one that was reset.
 */
export async function ensureL1Contracts(
  signer: L1Signer,
  datadir: string,
  guardian: Hex,
  logger: Logger,
  persist?: PersistL1,
): Promise<L1Deployment> {
  const client = signer.publicClient
  const l1ChainId = await client.getChainId()
  const genesis = await client.getBlock({ blockNumber: 0n })
  const recorded = readDeployment(datadir)
  const contracts = { ...recorded?.contracts } as Record<L1ContractName, Hex>
  if (recorded) {
    const fix = 'use the L1 this datadir was created with, or start with a fresh --datadir'
    if (recorded.l1ChainId !== l1ChainId) {
      throw new L1MismatchError(`the datadir's L1 contracts are on chain ${recorded.l1ChainId}, but the L1 is chain ${l1ChainId}`, { details: fix })
    }
    if (recorded.deployedAtBlockHash) {
      const anchor = await client.getBlock({ blockNumber: BigInt(recorded.deployedAtBlock) }).catch(() => undefined)
      if (anchor?.hash !== recorded.deployedAtBlockHash) {
        throw new L1MismatchError(`the L1 was reset since this datadir was created (block ${recorded.deployedAtBlock}, where the contracts were deployed, is ${anchor ? `now ${anchor.hash}` : 'gone'})`, { details: fix })
      }
    } else if (recorded.l1GenesisHash !== genesis.hash) {
      throw new L1MismatchError('the L1 was reset since this datadir was created (different block 0)', { details: fix })
    }
    for (const name of L1_CONTRACTS) {
      // Contracts added to Plexus after the datadir was made are deployed below.
      if (!recorded.contracts[name]) continue
      const code = await client.getCode({ address: recorded.contracts[name] })
      if (!code || code === '0x') {
        throw new L1MismatchError(`the L1 has no ${name} at ${recorded.contracts[name]} (recorded in ${deploymentFile(datadir)})`, {
          details: `the L1 lost its state; ${fix}`,
        })
      }
    }
    // Contracts are immutable: one from an older Plexus cannot learn what this one expects.
    if (recorded.contracts.Portal && !(await hasEscrowAccounting(client, recorded.contracts.Portal))) {
      throw new L1MismatchError('the datadir\'s L1 Portal is from an older Plexus, without inter-chain escrow accounting (settleEthFlows, escrowAdded)', { details: 'start with a fresh --datadir' })
    }
    if (L1_CONTRACTS.every((name) => recorded.contracts[name])) {
      logger.info({ contracts: recorded.contracts }, 'L1 contracts found')
      return recorded
    }
  }
  const ctorArgs: Record<L1ContractName, () => unknown[]> = {
    ChainRegistry: () => [signer.account.address, guardian],
    BatchInbox: () => [contracts.ChainRegistry],
    OutputOracle: () => [contracts.ChainRegistry],
    Portal: () => [contracts.ChainRegistry, contracts.OutputOracle],
    SuperRootOracle: () => [contracts.ChainRegistry],
  }
  let deployedAtBlock = recorded ? BigInt(recorded.deployedAtBlock) : 0n
  let deployedAtBlockHash = recorded?.deployedAtBlockHash
  const added: L1ContractName[] = []
  // A progress line: on an external L1 each deploy waits for a block (12 s on Ethereum).
  logger.info({ contracts: L1_CONTRACTS.filter((name) => !contracts[name]) }, 'deploying the L1 contracts')
  for (const name of L1_CONTRACTS) {
    if (contracts[name]) continue
    const artifact = loadArtifact(name)
    const hash = await signer.wallet.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: ctorArgs[name](),
      account: signer.account,
      chain: signer.chain,
    } as never)
    const receipt = await waitForSuccess(client, hash, `deploy ${name}`, signer.signal)
    if (!receipt.contractAddress) throw new BaseError(`deploying ${name} on L1 failed (tx ${hash})`)
    contracts[name] = receipt.contractAddress
    added.push(name)
    if (deployedAtBlock === 0n) {
      deployedAtBlock = receipt.blockNumber
      deployedAtBlockHash = receipt.blockHash
    }
    // Recorded after each contract, so a failure part-way does not deploy the same one twice;
    // and only once the L1 has it on disk, so a crash cannot leave a record of a lost contract.
    await persist?.()
    writeDeployment(datadir, { l1ChainId, l1GenesisHash: genesis.hash!, contracts: { ...contracts }, deployedAtBlock: deployedAtBlock.toString(), ...(deployedAtBlockHash ? { deployedAtBlockHash } : {}) })
  }
  const deployment: L1Deployment = {
    l1ChainId,
    l1GenesisHash: genesis.hash!,
    contracts,
    deployedAtBlock: deployedAtBlock.toString(),
    ...(deployedAtBlockHash ? { deployedAtBlockHash } : {}),
  }
  logger.info({ contracts, added }, recorded ? 'L1 contracts found; added the missing ones' : 'L1 contracts deployed')
  return deployment
}

/**
 * Makes the super root oracle's owner-set parameters what the network wants: its
 * proposer and challenge window. Idempotent (only sends what differs); `signer` must be
 * the ChainRegistry's owner (the deployer).
 */
export async function configureSuperRootOracle(
  signer: L1Signer,
  oracle: Hex,
  params: { proposer: Hex; challengeWindow: bigint },
): Promise<void> {
  const read = (functionName: string) => signer.publicClient.readContract({ address: oracle, abi: abiOf('SuperRootOracle'), functionName })
  const proposer = (await read('proposer')) as Hex
  if (proposer.toLowerCase() !== params.proposer.toLowerCase()) {
    await writeAndWait(signer, { address: oracle, abi: abiOf('SuperRootOracle'), functionName: 'setProposer', args: [params.proposer] })
  }
  const window = BigInt((await read('challengeWindow')) as bigint | number)
  if (window !== params.challengeWindow) {
    await writeAndWait(signer, { address: oracle, abi: abiOf('SuperRootOracle'), functionName: 'setChallengeWindow', args: [params.challengeWindow] })
  }
}

export interface ChainRegistration {
  genesisHash: Hex
  configHash: Hex
  batcher: Hex
  proposer: Hex
  challengeWindow: bigint
  registeredAtBlock: bigint
}

/** The registry's record of `chainId`, or undefined if it is not registered. */
export async function readRegistration(signer: Pick<L1Signer, 'publicClient'>, registry: Hex, chainId: bigint): Promise<ChainRegistration | undefined> {
  const info = (await signer.publicClient.readContract({
    address: registry,
    abi: abiOf('ChainRegistry'),
    functionName: 'getChain',
    args: [chainId],
  })) as { configHash: Hex; genesisHash: Hex; batcher: Hex; proposer: Hex; challengeWindow: bigint; registeredAtBlock: bigint; registered: boolean }
  if (!info.registered) return undefined
  return {
    genesisHash: info.genesisHash,
    configHash: info.configHash,
    batcher: info.batcher,
    proposer: info.proposer,
    challengeWindow: BigInt(info.challengeWindow),
    registeredAtBlock: BigInt(info.registeredAtBlock),
  }
}

export interface RegisterChainParams {
  chainId: bigint
  genesisHash: Hex
  batcher: Hex
  proposer: Hex
  challengeWindow: bigint
  config: Hex
  /** The L1 ERC-20 that is the chain's native asset (unset: ETH). */
  gasToken?: Hex
}

export async function registerChain(signer: L1Signer, registry: Hex, p: RegisterChainParams): Promise<ChainRegistration> {
  const args = [p.chainId, p.genesisHash, p.batcher, p.proposer, p.challengeWindow, p.config] as const
  await writeAndWait(signer, {
    address: registry,
    abi: abiOf('ChainRegistry'),
    ...(p.gasToken
      ? { functionName: 'registerChainWithGasToken', args: [...args, p.gasToken] }
      : { functionName: 'registerChain', args }),
  })
  return (await readRegistration(signer, registry, p.chainId))!
}

/** Whether the Portal at `portal` keeps the escrow counters of this version (`escrowAdded`). */
async function hasEscrowAccounting(client: PublicClient, portal: Hex): Promise<boolean> {
  return client
    .readContract({ address: portal, abi: abiOf('Portal'), functionName: 'escrowAdded', args: [0n] })
    .then(() => true)
    .catch((err: unknown) => {
      // A missing function reverts; anything else (the L1 unreachable) is not an answer.
      if (err instanceof ViemError && err.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError)) return false
      throw err
    })
}
