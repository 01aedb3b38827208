// Super roots against a real anvil: the SuperRootOracle deployed by ensureL1Contracts
// (also into an older datadir that lacks it), the SuperRootProposer posting the root of
// two in-process chains from their safe heads, and the SuperRootVerifier checking what
// is on L1 — a match, a wrong root posted with the proposer's key, and an L1 reorg.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  getAddress,
  http,
  parseEther,
  type Hex,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { Chain } from '../../src/execution/chain.js'
import { devGenesis } from '../../src/execution/genesis.js'
import { initCrypto } from '../../src/primitives/crypto.js'
import { createLogger, silentLogger, type LogLevel } from '../../src/primitives/logger.js'
import { SUPER_ROOT_PROPOSED_EVENT, SuperRootVerifier } from '../../src/settlement/derivation/superRootVerifier.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { configureSuperRootOracle, deploymentFile, ensureL1Contracts, registerChain, type L1Deployment } from '../../src/settlement/l1/deploy.js'
import { L1Tracker } from '../../src/settlement/l1/l1Tracker.js'
import { writeAndWait, type L1Signer } from '../../src/settlement/l1/l1Transactions.js'
import { NETWORK_ROLE, roleKey } from '../../src/settlement/l1/roleKeys.js'
import { outputAt } from '../../src/settlement/outputRoot.js'
import { encodeSuperRoot, superRootAt } from '../../src/settlement/superRoot.js'
import { SuperRootProposer } from '../../src/settlement/superRootProposer.js'
import { ChainStore } from '../../src/storage/chainStore.js'
import { openDatabase } from '../../src/storage/database.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { tempDir } from '../helpers/tmp.js'
import { KEYS } from '../contracts/setup.js'

await initCrypto()

const logger = process.env.PLEXUS_TEST_LOG ? createLogger(process.env.PLEXUS_TEST_LOG as LogLevel) : silentLogger()
const ZERO: Hex = `0x${'00'.repeat(32)}`
const GENESIS_TIME = 1_000n

interface L1 {
  anvil: Anvil
  pub: PublicClient
  signer(key: Hex): L1Signer
}

async function startL1(): Promise<L1> {
  const anvil = await startAnvil(['--chain-id', '900'])
  const pub = createPublicClient({ transport: http(anvil.url), pollingInterval: 50 }) as PublicClient
  const chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.url] } } })
  return {
    anvil,
    pub,
    signer: (key) => {
      const account = privateKeyToAccount(key)
      return { account, chain, publicClient: pub, wallet: createWalletClient({ account, chain, transport: http(anvil.url) }) }
    },
  }
}

/** The custom error a call to the oracle reverts with (simulated). */
async function revertOf(pub: PublicClient, from: L1Signer, functionName: string, args: readonly unknown[], address: Hex): Promise<string | undefined> {
  try {
    await pub.simulateContract({ address, abi: abiOf('SuperRootOracle'), functionName, args, account: from.account } as never)
  } catch (err) {
    const revert = err instanceof ViemBaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null
    return revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : `not a revert: ${String(err)}`
  }
  return undefined
}

describe('ensureL1Contracts and the SuperRootOracle', () => {
  let l1: L1
  const datadir = tempDir()
  after(async () => {
    await l1?.anvil.stop()
    datadir.cleanup()
  })

  it('deploys it with the rest, and into a datadir recorded before it existed without touching the others', async () => {
    l1 = await startL1()
    const deployer = l1.signer(KEYS[0])
    const first = await ensureL1Contracts(deployer, datadir.dir, deployer.account.address, logger)
    const code = async (address: Hex) => (await l1.pub.getCode({ address })) ?? '0x'
    assert.notEqual(await code(first.contracts.SuperRootOracle), '0x')
    const registry = await l1.pub.readContract({ address: first.contracts.SuperRootOracle, abi: abiOf('SuperRootOracle'), functionName: 'registry' })
    assert.equal(getAddress(registry as Hex), getAddress(first.contracts.ChainRegistry))

    // A datadir from before the SuperRootOracle: its deployment.json lacks it.
    const file = deploymentFile(datadir.dir)
    const old = JSON.parse(readFileSync(file, 'utf8')) as L1Deployment
    delete (old.contracts as Partial<L1Deployment['contracts']>).SuperRootOracle
    writeFileSync(file, JSON.stringify(old, null, 2))

    const upgraded = await ensureL1Contracts(deployer, datadir.dir, deployer.account.address, logger)
    const { SuperRootOracle, ...rest } = upgraded.contracts
    assert.deepEqual(rest, old.contracts, 'the other contracts are kept')
    assert.equal(upgraded.deployedAtBlock, old.deployedAtBlock)
    assert.notEqual(SuperRootOracle, first.contracts.SuperRootOracle, 'a new oracle was deployed')
    assert.notEqual(await code(SuperRootOracle), '0x')
    assert.deepEqual((JSON.parse(readFileSync(file, 'utf8')) as L1Deployment).contracts, upgraded.contracts, 'and recorded')

    // Now complete: the next start deploys nothing.
    const nonce = await l1.pub.getTransactionCount({ address: deployer.account.address })
    assert.deepEqual(await ensureL1Contracts(deployer, datadir.dir, deployer.account.address, logger), upgraded)
    assert.equal(await l1.pub.getTransactionCount({ address: deployer.account.address }), nonce)
  })
})

describe('super roots: proposer and verifier against L1', () => {
  let l1: L1
  let deployer: L1Signer
  let superProposer: L1Signer
  let deployment: L1Deployment
  let oracle: Hex
  let tracker: L1Tracker
  let proposer: SuperRootProposer
  let verifier: SuperRootVerifier
  let a: Chain
  let b: Chain
  const stores: ChainStore[] = []
  const dirs = [tempDir(), tempDir(), tempDir()]
  /** Safe heads the proposer sees, set by each test. */
  const safe = { a: 0n, b: 0n }
  /** Heads the verifier sees (undefined: the chain's head). */
  const derived: { a?: bigint; b?: bigint } = {}

  async function openChain(chainId: number, dir: string): Promise<Chain> {
    const store = new ChainStore(openDatabase(dir))
    stores.push(store)
    return Chain.open(store, devGenesis({ chainId, gasLimit: 30_000_000n, timestamp: GENESIS_TIME }), silentLogger())
  }

  async function extend(chain: Chain, times: bigint[]): Promise<void> {
    for (const t of times) await chain.buildBlock({ timestamp: t, coinbase: new Uint8Array(20) })
  }

  /** Runs a whole round of each (a round already in flight may predate the test's changes). */
  async function settle(): Promise<void> {
    await tracker.refresh()
    await proposer.kick()
    await proposer.kick()
    await tracker.refresh()
    await verifier.kick()
    await verifier.kick()
  }

  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    l1.pub.readContract({ address: oracle, abi: abiOf('SuperRootOracle'), functionName, args }) as Promise<T>

  before(async () => {
    l1 = await startL1()
    deployer = l1.signer(KEYS[0])
    superProposer = l1.signer(roleKey(KEYS[0], 'super-proposer', NETWORK_ROLE))
    deployment = await ensureL1Contracts(deployer, dirs[0]!.dir, deployer.account.address, logger)
    oracle = deployment.contracts.SuperRootOracle
    a = await openChain(901, dirs[1]!.dir)
    b = await openChain(902, dirs[2]!.dir)
    for (const chain of [a, b]) {
      await registerChain(deployer, deployment.contracts.ChainRegistry, {
        chainId: chain.chainId,
        genesisHash: `0x${Buffer.from(chain.getBlockByNumber(0n)!.hash()).toString('hex')}`,
        batcher: deployer.account.address,
        proposer: deployer.account.address,
        challengeWindow: 3600n,
        config: '0x',
      })
    }
    const fund = await deployer.wallet.sendTransaction({ to: superProposer.account.address, value: parseEther('10'), account: deployer.account, chain: deployer.chain })
    await l1.pub.waitForTransactionReceipt({ hash: fund })
    await configureSuperRootOracle(deployer, oracle, { proposer: superProposer.account.address, challengeWindow: 3600n })

    tracker = new L1Tracker(l1.pub, { portal: deployment.contracts.Portal, startBlock: BigInt(deployment.deployedAtBlock), pollMs: 3_600_000 }, logger)
    await tracker.start()
    proposer = new SuperRootProposer(
      tracker,
      superProposer,
      {
        oracle,
        intervalSeconds: 2n,
        chains: () => [
          { chainId: 901n, chain: a, safeHead: () => safe.a },
          { chainId: 902n, chain: b, safeHead: () => safe.b },
        ],
      },
      logger,
    )
    await proposer.start()
    verifier = new SuperRootVerifier(
      tracker,
      {
        oracle,
        l1StartBlock: BigInt(deployment.deployedAtBlock),
        chains: () => [
          { chainId: 901n, chain: a, head: derived.a === undefined ? undefined : () => derived.a! },
          { chainId: 902n, chain: b, head: derived.b === undefined ? undefined : () => derived.b! },
        ],
      },
      logger,
    )
    await verifier.start()
  })
  after(async () => {
    await verifier?.stop()
    await proposer?.stop()
    await tracker?.stop()
    for (const s of stores) await s.close()
    await l1?.anvil.stop()
    for (const d of dirs) d.cleanup()
  })

  it('configuring the oracle is idempotent', async () => {
    assert.equal(await read('proposer'), superProposer.account.address)
    assert.equal(await read('challengeWindow'), 3600n)
    const nonce = await l1.pub.getTransactionCount({ address: deployer.account.address })
    await configureSuperRootOracle(deployer, oracle, { proposer: superProposer.account.address, challengeWindow: 3600n })
    assert.equal(await l1.pub.getTransactionCount({ address: deployer.account.address }), nonce)
  })

  it('proposes the newest multiple of the interval that is final on every safe chain', async () => {
    // Blocks 1…10; several share a timestamp (slots shorter than a second).
    await extend(a, [1001n, 1001n, 1002n, 1003n, 1003n, 1004n, 1005n, 1006n, 1006n, 1007n])
    await extend(b, [1001n, 1002n, 1002n, 1003n, 1004n, 1004n, 1005n, 1006n, 1007n, 1008n])

    // Nothing safe yet: no timestamp is final.
    await settle()
    assert.equal(await read('superRootCount'), 0n)
    assert.equal(proposer.latestProposed(), 0n)

    // Safe heads at 1005 (A) and 1007 (B): 1004 is the newest even timestamp both have passed.
    safe.a = 7n
    safe.b = 9n
    await settle()
    assert.equal(await read('latestTimestamp'), 1004n)
    assert.equal(proposer.latestProposed(), 1004n)

    // The root commits to A's block 6 and B's block 6, the newest at or before 1004.
    const expected = encodeSuperRoot(1004n, [
      { chainId: 902n, outputRoot: (await outputAt(b, 6n)).root },
      { chainId: 901n, outputRoot: (await outputAt(a, 6n)).root },
    ])
    assert.equal(proposer.latestRoot(), expected.root)
    const logs = await l1.pub.getLogs({ address: oracle, event: SUPER_ROOT_PROPOSED_EVENT, fromBlock: 0n })
    assert.equal(logs.length, 1)
    assert.deepEqual(
      { index: logs[0]!.args.index, l2Timestamp: logs[0]!.args.l2Timestamp, superRoot: logs[0]!.args.superRoot },
      { index: 0n, l2Timestamp: 1004n, superRoot: expected.root },
    )
    // The preimage is on L1, in the proposal's calldata.
    const tx = await l1.pub.getTransaction({ hash: logs[0]!.transactionHash })
    const call = decodeFunctionData({ abi: abiOf('SuperRootOracle'), data: tx.input })
    assert.equal(call.functionName, 'proposeSuperRoot')
    assert.equal((call.args as readonly unknown[])[2], expected.preimage)

    // Nothing newer is final: the next round proposes nothing.
    await settle()
    assert.equal(await read('superRootCount'), 1n)
  })

  it('the verifier waits until the timestamp is final on its chains, then matches', async () => {
    assert.equal(verifier.latestVerified?.timestamp, 1004n, 'verified against the chains’ heads')
    // A fresh verifier whose chain A lags at block 5 (1003): 1004 is not final there yet.
    const lagging = { head: 5n as bigint | undefined }
    const v = new SuperRootVerifier(
      tracker,
      {
        oracle,
        l1StartBlock: BigInt(deployment.deployedAtBlock),
        chains: () => [
          { chainId: 902n, chain: b },
          { chainId: 901n, chain: a, head: lagging.head === undefined ? undefined : () => lagging.head! },
        ],
      },
      logger,
    )
    await v.kick()
    assert.equal(v.status().latestVerified, null, "nothing verified yet")
    assert.equal(v.pendingCount, 1)
    lagging.head = 7n
    await v.kick()
    assert.equal(v.pendingCount, 0)
    assert.deepEqual(
      { timestamp: v.latestVerified?.timestamp, root: v.latestVerified?.root },
      { timestamp: 1004n, root: (await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1004n))!.root },
    )
    assert.deepEqual(v.mismatches, [])
    assert.deepEqual(v.status(), { latestVerified: { timestamp: '0x3ec', root: v.latestVerified!.root }, mismatches: [] })
  })

  it('only the proposer may propose', async () => {
    const r = (await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1006n))!
    assert.equal(await revertOf(l1.pub, deployer, 'proposeSuperRoot', [1006n, r.root, r.preimage, ZERO, 0n], oracle), 'NotProposer')
    assert.equal(await revertOf(l1.pub, superProposer, 'proposeSuperRoot', [1006n, r.root, r.preimage, ZERO, 0n], oracle), undefined)
  })

  let beforeTamper: Hex
  it('a wrong root posted with the proposer key is reported, naming the chain', async () => {
    beforeTamper = await createTestClient({ mode: 'anvil', transport: http(l1.anvil.url) }).snapshot()
    const real = (await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1006n))!
    const wrong902: Hex = `0x${'ba'.repeat(32)}`
    const tampered = encodeSuperRoot(1006n, [real.outputs[0]!, { chainId: 902n, outputRoot: wrong902 }])
    await writeAndWait(superProposer, { address: oracle, abi: abiOf('SuperRootOracle'), functionName: 'proposeSuperRoot', args: [1006n, tampered.root, tampered.preimage, ZERO, 0n] })
    await settle()
    assert.equal(verifier.mismatches.length, 1)
    const m = verifier.mismatches[0]!
    assert.deepEqual(
      { index: m.index, timestamp: m.timestamp, proposed: m.proposed, computed: m.computed, chains: m.chains },
      { index: 1n, timestamp: 1006n, proposed: tampered.root, computed: real.root, chains: [{ chainId: 902n, proposed: wrong902, computed: real.outputs[1]!.outputRoot }] },
    )
    assert.equal(verifier.latestVerified?.timestamp, 1004n, 'the newest match is still 1004')
    assert.equal((verifier.status().mismatches[0] as { timestamp: Hex }).timestamp, '0x3ee')

    // A verifier of chain 901 alone checks only its entry in the preimage: the tampered root holds a right 901 output.
    const only901 = new SuperRootVerifier(
      tracker,
      { oracle, l1StartBlock: BigInt(deployment.deployedAtBlock), scope: 'chains', chains: () => [{ chainId: 901n, chain: a }] },
      logger,
    )
    await only901.kick()
    assert.deepEqual(only901.mismatches, [])
    assert.equal(only901.latestVerified?.timestamp, 1006n)
    const only902 = new SuperRootVerifier(
      tracker,
      { oracle, l1StartBlock: BigInt(deployment.deployedAtBlock), scope: 'chains', chains: () => [{ chainId: 902n, chain: b }] },
      logger,
    )
    await only902.kick()
    assert.equal(only902.latestVerified?.timestamp, 1004n)
    assert.deepEqual(only902.mismatches.map((x) => ({ timestamp: x.timestamp, computed: x.computed, chains: x.chains })), [
      { timestamp: 1006n, computed: real.root, chains: [{ chainId: 902n, proposed: wrong902, computed: real.outputs[1]!.outputRoot }] },
    ])
  })

  it('after an L1 reorg the verifier forgets the removed proposals and the proposer re-reads the oracle', async () => {
    // The proposer moves on to 1008 on top of the tampered root.
    await extend(a, [1008n, 1009n, 1010n])
    await extend(b, [1009n, 1010n, 1011n])
    safe.a = 13n
    safe.b = 13n
    await settle()
    assert.equal(await read('latestTimestamp'), 1008n)
    assert.equal(proposer.latestProposed(), 1008n)
    assert.equal(verifier.latestVerified?.timestamp, 1008n)
    assert.equal(verifier.mismatches.length, 1)

    // L1 reorgs back to before the tampered root: both proposals are gone.
    const test = createTestClient({ mode: 'anvil', transport: http(l1.anvil.url) })
    const headBefore = await l1.pub.getBlockNumber()
    await test.revert({ id: beforeTamper })
    await test.mine({ blocks: Number(headBefore - (await l1.pub.getBlockNumber())) + 2 })
    assert.equal(await read('latestTimestamp'), 1004n)
    let reorged = false
    const off = tracker.onReorg(() => (reorged = true))
    await tracker.refresh()
    off()
    assert.ok(reorged, 'the tracker saw the reorg')
    assert.deepEqual(verifier.mismatches, [], 'the mismatch of a removed proposal is forgotten')
    assert.equal(verifier.latestVerified?.timestamp, 1004n, 'back to the newest verified root still on L1')

    // The proposer reads the oracle again and posts 1008 anew; the verifier matches it.
    await settle()
    assert.equal(await read('latestTimestamp'), 1008n)
    assert.equal(await read('superRootCount'), 2n)
    assert.equal(verifier.latestVerified?.timestamp, 1008n)
    assert.deepEqual(verifier.mismatches, [])
  })
})
