import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it, test } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { loadConfig, toNetworkOptions } from '../../src/cli/config/index.js'
import { nextBaseFee } from '../../src/execution/baseFee.js'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusNetwork } from '../../src/node/network.js'
import { silentLogger } from '../../src/primitives/logger.js'
import { CLI, rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const FEE_RECIPIENT = '0x000000000000000000000000000000000000fee5'
const PREDEPLOY = '0x0000000000000000000000000000000000c0ffee'
// PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN: answers every call with 42.
const PREDEPLOY_CODE = '0x602a60005260206000f3'
const operator = generatePrivateKey()
const operatorAddress = privateKeyToAccount(operator).address

/** Four chains, each with something of its own, on free ports; written as a user would. */
const CONFIG = `
l1:
  embedded: { port: 0, blockTime: 1s }
chains:
  - name: alpha
    chainId: 1001
    slotTime: 250ms
    challengeWindow: 4s
    rpc: { port: 0 }
  - name: beta
    chainId: 1002
    feeRecipient: "${FEE_RECIPIENT}"
    rpc: { port: 0 }
  - name: gamma
    chainId: 1003
    baseFee: { initial: 2 gwei, elasticity: 4, denominator: 50 }
    rpc: { port: 0 }
  - name: delta
    chainId: 1004
    prefund:
      devAccounts: false
      accounts: { "${operatorAddress}": 1000 ether }
    alloc:
      "${PREDEPLOY}": { code: "${PREDEPLOY_CODE}", storage: { "0x1": "0x2a" } }
    rpc: { port: 0 }
`

describe('a network of four chains from one config file', () => {
  let network: PlexusNetwork
  let cleanup: () => void
  const ids = [1001, 1002, 1003, 1004]

  before(async () => {
    const tmp = tempDir()
    cleanup = tmp.cleanup
    const file = path.join(tmp.dir, 'plexus.yaml')
    writeFileSync(file, CONFIG)
    const options = toNetworkOptions(loadConfig(file, {}))
    network = new PlexusNetwork({ ...options, datadir: path.join(tmp.dir, 'data'), logger: silentLogger() })
    await network.start()
  })

  after(async () => {
    await network?.stop()
    cleanup?.()
  })

  const url = (chainId: number) => network.node(chainId).rpcUrl()

  it('serves every chain: eth_chainId answers and blocks are produced', async () => {
    for (const id of ids) {
      assert.equal(await rpc(url(id), 'eth_chainId', []), `0x${id.toString(16)}`)
      await waitFor(async () => BigInt(await rpc<string>(url(id), 'eth_blockNumber', [])) >= 3n, 20_000, `blocks on ${id}`)
    }
  })

  it('takes a transaction on every chain', async () => {
    for (const id of ids) {
      const key = id === 1004 ? operator : devAccounts()[5]!.privateKey
      const account = privateKeyToAccount(key)
      const chain = defineChain({ id, name: `c${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url(id)] } } })
      const client = createPublicClient({ chain, transport: http() })
      const wallet = createWalletClient({ account, chain, transport: http() })
      const to = privateKeyToAccount(generatePrivateKey()).address
      const hash = await wallet.sendTransaction({ to, value: parseEther('1'), maxPriorityFeePerGas: 1_000n })
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
      assert.equal(receipt.status, 'success', `tx on ${id}`)
      assert.equal(await client.getBalance({ address: to }), parseEther('1'))
    }
  })

  it('gives each chain its own settings: fee recipient, base-fee parameters, prefund and alloc', async () => {
    const block = await rpc<{ miner: string }>(url(1002), 'eth_getBlockByNumber', ['latest', false])
    assert.equal(block.miner, FEE_RECIPIENT)
    assert.notEqual((await rpc<{ miner: string }>(url(1001), 'eth_getBlockByNumber', ['latest', false])).miner, FEE_RECIPIENT)

    // gamma: 2 gwei at genesis, and each base fee follows elasticity 4 / denominator 50.
    const header = async (n: number) => {
      const b = await rpc<{ gasLimit: Hex; gasUsed: Hex; baseFeePerGas: Hex }>(url(1003), 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
      return { gasLimit: BigInt(b.gasLimit), gasUsed: BigInt(b.gasUsed), baseFeePerGas: BigInt(b.baseFeePerGas) }
    }
    assert.equal((await header(0)).baseFeePerGas, 2_000_000_000n)
    for (let n = 1; n <= 3; n++) {
      const parent = await header(n - 1)
      assert.equal((await header(n)).baseFeePerGas, nextBaseFee(parent, { elasticity: 4n, denominator: 50n }), `block ${n}`)
      assert.notEqual((await header(n)).baseFeePerGas, nextBaseFee(parent, { elasticity: 2n, denominator: 8n }))
    }

    // delta: no dev accounts, the operator prefunded, the extra predeploy in place.
    assert.equal(BigInt(await rpc<string>(url(1004), 'eth_getBalance', [devAccounts()[0]!.address, 'latest'])), 0n)
    assert.equal(BigInt(await rpc<string>(url(1001), 'eth_getBalance', [devAccounts()[0]!.address, 'latest'])) > 0n, true)
    assert.equal(await rpc(url(1004), 'eth_getCode', [PREDEPLOY, 'latest']), PREDEPLOY_CODE)
    assert.equal(BigInt(await rpc<string>(url(1004), 'eth_getStorageAt', [PREDEPLOY, '0x1', 'latest'])), 42n)
    assert.equal(BigInt(await rpc<string>(url(1004), 'eth_call', [{ to: PREDEPLOY, data: '0x' }, 'latest'])), 42n)
  })
})

/** Runs the CLI to completion; returns its exit code and output. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    let out = ''
    let stdout = ''
    proc.stdout.on('data', (d) => ((out += d), (stdout += d)))
    proc.stderr.on('data', (d) => (out += d))
    proc.on('exit', (code) => resolve({ code, out, stdout }))
  })
}

test('plexus init writes a starter config that plexus config check accepts; it refuses to overwrite without --force', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const file = path.join(dir, 'plexus.yaml')
    assert.equal((await run(['init', '--chains', '3', '--out', file])).code, 0)
    const check = await run(['config', 'check', file])
    assert.equal(check.code, 0, check.out)
    assert.equal(check.stdout, 'ok: 3 chains (ids 901, 902, 903)\n')
    const again = await run(['init', '--out', file])
    assert.equal(again.code, 1)
    assert.match(again.out, /config error: --out: .*plexus\.yaml already exists; pass --force to overwrite it/)
    assert.equal((await run(['init', '--chains', '1', '--out', file, '--force'])).code, 0)
    assert.equal((await run(['config', 'check', file])).stdout, 'ok: 1 chain (ids 901)\n')
  } finally {
    cleanup()
  }
})

test('plexus config check prints every error on its own line and exits 1', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const file = path.join(dir, 'bad.yaml')
    writeFileSync(file, 'chains:\n  - gasLimt: 1\n    gasToken: { name: USD Coin, symbol: USDC, decimals: 24 }\n  - chainId: 901\n')
    const { code, out, stdout } = await run(['config', 'check', file])
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.deepEqual(out.trim().split('\n'), [
      "config error: chains[0].gasToken.decimals: must be an integer from 0 to 18 (got 24); set it to the token's ERC-20 decimals()",
      'config error: chains[0].gasLimt: unknown key; did you mean "gasLimit"?',
    ])
    const missing = await run(['config', 'check', path.join(dir, 'none.yaml')])
    assert.equal(missing.code, 1)
    assert.match(missing.out, /none\.yaml does not exist; create one with `plexus init`/)
  } finally {
    cleanup()
  }
})

test('plexus up --config starts the network the file describes; flags override it', async () => {
  const { dir, cleanup } = tempDir()
  const file = path.join(dir, 'plexus.yaml')
  writeFileSync(file, `datadir: ./data\nl1:\n  embedded: { port: 0, blockTime: 1s }\nchains:\n  - name: solo\n    chainId: 3001\n    rpc: { port: 0 }\n`)
  // --datadir overrides the file's datadir.
  const proc = spawn(process.execPath, [CLI, 'up', '--config', file, '--datadir', path.join(dir, 'other'), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d) => (out += d))
  proc.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
  try {
    const line = await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`plexus up exited early:\n${out}`)
      return /L2 chain 3001\s+(http:\/\/127\.0\.0\.1:\d+)\s+solo/.exec(out)
    }, 60_000, 'the banner')
    const l2 = line[1]!
    assert.equal(await rpc(l2, 'eth_chainId', []), '0xbb9')
    await waitFor(async () => BigInt(await rpc<string>(l2, 'eth_blockNumber', [])) >= 2n, 20_000, 'blocks')
    assert.ok(out.includes(`Data                    ${path.join(dir, 'other')}\n`), out)
  } finally {
    proc.kill('SIGTERM')
    assert.equal(await exited, 0, out)
    cleanup()
  }
})
