// Shared set-up for the settlement contract tests: an osaka anvil, viem clients for the dev
// mnemonic's accounts, deploy/send helpers, and revert assertions by custom error name.
import assert from 'node:assert/strict'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeEventLog,
  defineChain,
  encodeAbiParameters,
  getAddress,
  http,
  keccak256,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { loadArtifact } from '../helpers/artifacts.js'

/** The first dev-mnemonic keys anvil funds (10 000 ETH each). */
export const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
] as const

export const L2_BRIDGE: Address = '0x4200000000000000000000000000000000000010'
export const L1_BLOCK: Address = '0x4200000000000000000000000000000000000015'
export const MESSAGE_PASSER: Address = '0x4200000000000000000000000000000000000016'
export const DEPOSITOR: Address = '0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001'
export const DEFAULT_L2_SENDER: Address = '0x000000000000000000000000000000000000dEaD'

const ALIAS_OFFSET = 0x1111000000000000000000000000000000001111n

/** The OP Stack L1→L2 alias, computed independently of the contracts. */
export function alias(address: Address): Address {
  const aliased = (BigInt(address) + ALIAS_OFFSET) % 2n ** 160n
  return getAddress(`0x${aliased.toString(16).padStart(40, '0')}`)
}

export const abis = {
  registry: loadArtifact('ChainRegistry').abi,
  inbox: loadArtifact('BatchInbox').abi,
  oracle: loadArtifact('OutputOracle').abi,
  portal: loadArtifact('Portal').abi,
  bridge: loadArtifact('L2StandardBridge').abi,
  passer: loadArtifact('L2ToL1MessagePasser').abi,
  l1Block: loadArtifact('L1Block').abi,
  bridged: loadArtifact('BridgedERC20').abi,
  caller: loadArtifact('PortalTestCaller').abi,
  devToken: loadArtifact('DevToken').abi,
  trie: loadArtifact('TestMerkleTrie').abi,
}

export type L1 = Awaited<ReturnType<typeof startL1>>

/** anvil (osaka, chain id 900) with clients for the dev accounts. */
export async function startL1() {
  const anvil: Anvil = await startAnvil(['--chain-id', '900', '--hardfork', 'osaka'])
  const chain = defineChain({
    id: 900,
    name: 'plexus-l1-test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.url] } },
  })
  const transport = http(anvil.url)
  const pub = createPublicClient({ chain, transport, pollingInterval: 50 })
  const testClient = createTestClient({ chain, transport, mode: 'anvil' })
  const accounts = KEYS.map((k) => privateKeyToAccount(k))
  const wallet = createWalletClient({ chain, transport })

  /** Deploys a compiled contract and returns its address. */
  async function deploy(name: string, args: unknown[] = [], from: PrivateKeyAccount = accounts[0]!): Promise<Address> {
    const artifact = loadArtifact(name)
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args, account: from, chain })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `deploying ${name}`)
    return getAddress(receipt.contractAddress!)
  }

  /** Sends a contract call, waits for it and asserts it succeeded. */
  async function send(p: {
    address: Address
    abi: Abi
    functionName: string
    args?: readonly unknown[]
    from?: PrivateKeyAccount | Address
    value?: bigint
    gas?: bigint
  }): Promise<TransactionReceipt> {
    const hash = await wallet.writeContract({
      address: p.address,
      abi: p.abi,
      functionName: p.functionName,
      args: p.args ?? [],
      account: p.from ?? accounts[0]!,
      value: p.value,
      gas: p.gas,
      chain,
    })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `${p.functionName} reverted`)
    return receipt
  }

  /** Simulates a call that must revert with the custom error `errorName` (decoded with `abi`). */
  async function expectRevert(
    p: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; from?: PrivateKeyAccount | Address; value?: bigint; gas?: bigint },
    errorName: string,
    decodeAbi: Abi = p.abi,
  ): Promise<readonly unknown[] | undefined> {
    try {
      await pub.simulateContract({
        address: p.address,
        abi: [...p.abi, ...decodeAbi],
        functionName: p.functionName,
        args: p.args ?? [],
        account: p.from ?? accounts[0]!,
        value: p.value,
        gas: p.gas,
      })
    } catch (err) {
      assert.ok(err instanceof BaseError, String(err))
      const revert = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
      assert.ok(revert, `expected a custom-error revert, got: ${err.shortMessage}`)
      assert.equal(revert.data?.errorName ?? revert.reason ?? revert.signature, errorName)
      return revert.data?.args
    }
    assert.fail(`${p.functionName} did not revert (expected ${errorName})`)
  }

  /** Reads a view function. */
  function read<T = unknown>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return pub.readContract({ address, abi, functionName, args }) as Promise<T>
  }

  /** Moves the clock forward by `seconds` and mines a block. */
  async function advance(seconds: number): Promise<void> {
    await testClient.increaseTime({ seconds })
    await testClient.mine({ blocks: 1 })
  }

  return { anvil, chain, pub, testClient, wallet, accounts, deploy, send, expectRevert, read, advance, stop: () => anvil.stop() }
}

/** Deploys registry, inbox, oracle and portal; account 0 owns, account 1 guards. */
export async function deploySettlement(l1: L1) {
  const [owner, guardian] = l1.accounts
  const registry = await l1.deploy('ChainRegistry', [owner!.address, guardian!.address])
  const inbox = await l1.deploy('BatchInbox', [registry])
  const oracle = await l1.deploy('OutputOracle', [registry])
  const portal = await l1.deploy('Portal', [registry, oracle])
  return { registry, inbox, oracle, portal }
}

/** Registers `chainId` with account 2 as batcher and account 3 as proposer. */
export async function registerChain(l1: L1, registry: Address, chainId: bigint, challengeWindow: bigint, config: Hex = '0x') {
  return l1.send({
    address: registry,
    abi: abis.registry,
    functionName: 'registerChain',
    args: [chainId, keccak256(`0x${chainId.toString(16).padStart(4, '0')}`), l1.accounts[2]!.address, l1.accounts[3]!.address, challengeWindow, config],
  })
}

/** The decoded events of `receipt` that `abi` knows, optionally only those named `eventName`. */
export function eventsOf(receipt: TransactionReceipt, abi: Abi, eventName?: string) {
  const out: { eventName: string; args: Record<string, unknown>; address: Address }[] = []
  for (const log of receipt.logs) {
    try {
      const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics })
      if (!eventName || decoded.eventName === eventName) {
        out.push({ eventName: decoded.eventName!, args: decoded.args as unknown as Record<string, unknown>, address: log.address })
      }
    } catch {
      // a log of another contract
    }
  }
  return out
}

/** Version-0 output root: keccak256(abi.encode(0, stateRoot, storageRoot, blockHash)). */
export function outputRoot(stateRoot: Hex, storageRoot: Hex, blockHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [`0x${'00'.repeat(32)}`, stateRoot, storageRoot, blockHash],
    ),
  )
}

/** The message passer storage slot of `sentMessages[withdrawalHash]`. */
export function sentMessageSlot(withdrawalHash: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [withdrawalHash, 0n]))
}

export type Withdrawal = { nonce: bigint; sender: Address; target: Address; value: bigint; gasLimit: bigint; data: Hex }

/** keccak256(abi.encode(nonce, sender, target, value, gasLimit, data)), computed in TS. */
export function withdrawalHash(w: Withdrawal): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
      [w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data],
    ),
  )
}
