/**
 * `plexus import` / `plexus export` end to end, through the real CLI as child processes:
 * a Plexus chain survives export → import with identical blocks and receipts; a
 * pre-merge proof-of-work chain made independently with ethereumjs (hardfork transition
 * to London at block 3) imports and is served read-only; a block whose state, receipts
 * or transactions root does not match is refused with its number and the root named,
 * and everything before it stays imported and servable.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  getContractAddress,
  http,
  keccak256,
  parseEther,
  toHex,
  type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { loadArtifact } from '../helpers/artifacts.js'
import { CLI, rpc, spawnNode, type SpawnedNode } from '../helpers/node.js'
import {
  POW_BLOCK_COUNT,
  POW_BLOCK_REWARD,
  POW_CHAIN_ID,
  POW_COUNTER,
  POW_LONDON_BLOCK,
  POW_MINER,
  POW_RECIPIENT,
  POW_SENDER,
  buildPowChain,
  exportRlp,
  withHeaderField,
  withTamperedLegacyTx,
  type PowChain,
} from '../helpers/powChain.js'
import { tempDir } from '../helpers/tmp.js'

const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
] as const
const token = loadArtifact('DevToken')

type RpcBlock = Record<string, unknown> & { hash: Hex; stateRoot: Hex; receiptsRoot: Hex; miner: Hex; baseFeePerGas?: Hex }
type RpcReceipt = Record<string, unknown> & { status: Hex; gasUsed: Hex; effectiveGasPrice: Hex; transactionHash: Hex }

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `plexus <args>` to completion. */
function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d) => (stdout += d))
    proc.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`plexus ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}${stderr}`))
    }, timeoutMs)
    proc.once('error', reject)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The `import done` log line of `plexus import` (pino JSON on stdout). */
function importSummary(res: CliResult): { imported: number; skipped: number; head: string } {
  for (const line of res.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    const entry = JSON.parse(line) as { msg?: string; imported: number; skipped: number; head: string }
    if (entry.msg === 'import done') return entry
  }
  throw new Error(`no "import done" line in the import output:\n${res.stdout}${res.stderr}`)
}

async function importFile(genesis: string, file: string, datadir: string): Promise<CliResult> {
  return runCli(['import', '--genesis', genesis, file, '--datadir', datadir])
}

function assertOk(res: CliResult, what: string): void {
  assert.equal(res.code, 0, `${what} exited ${res.code}:\n${res.stdout}${res.stderr}`)
}

async function stopNode(node: SpawnedNode): Promise<void> {
  if (node.proc.exitCode !== null) return
  node.proc.kill('SIGTERM')
  const code = await node.exited
  assert.equal(code, 0, `plexus up exited ${code} on SIGTERM:\n${node.output()}`)
}

/** Hashes of the blocks in a concatenated-RLP export, computed from their headers. */
function blockHashesOf(file: string): Hex[] {
  let data: Uint8Array = readFileSync(file)
  const hashes: Hex[] = []
  while (data.length > 0) {
    const { data: block, remainder } = RLP.decode(data, true)
    hashes.push(keccak256(RLP.encode((block as unknown as Uint8Array[][])[0]!)))
    data = remainder
  }
  return hashes
}

const blockAt = (url: string, n: bigint | number) => rpc<RpcBlock | null>(url, 'eth_getBlockByNumber', [toHex(n), false])
const receiptsAt = (url: string, n: bigint | number) => rpc<RpcReceipt[] | null>(url, 'eth_getBlockReceipts', [toHex(n)])

describe('plexus export → import of a Plexus chain', () => {
  const tmp = tempDir('plexus-import-')
  const dirA = path.join(tmp.dir, 'a')
  const dirB = path.join(tmp.dir, 'b')
  const out = path.join(tmp.dir, 'out.rlp')
  const nodes: SpawnedNode[] = []
  after(async () => {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL')
    tmp.cleanup()
  })

  it('round-trips blocks, roots and receipts, and a second import skips everything', async () => {
    const a = await spawnNode(['--datadir', dirA, '--block-time', '100'])
    nodes.push(a)
    const chain = defineChain({
      id: 901,
      name: 'plexus-a',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [a.url] } },
    })
    const alice = privateKeyToAccount(KEYS[0])
    const bob = privateKeyToAccount(KEYS[1])
    const pub = createPublicClient({ chain, transport: http(a.url), pollingInterval: 50 })
    const wallet = createWalletClient({ chain, transport: http(a.url) })

    // Deploy the token, then send a burst so several transactions share blocks.
    let aliceNonce = await pub.getTransactionCount({ address: alice.address })
    let bobNonce = await pub.getTransactionCount({ address: bob.address })
    const deployHash = await wallet.deployContract({
      abi: token.abi,
      bytecode: token.bytecode,
      args: ['Dev', 'DEV'],
      account: alice,
      chain,
      nonce: aliceNonce,
    })
    const tokenAddress = getContractAddress({ from: alice.address, nonce: BigInt(aliceNonce++) })
    const deployed = await pub.waitForTransactionReceipt({ hash: deployHash })
    assert.equal(deployed.status, 'success')

    const hashes: Hex[] = [deployHash]
    const revertHashes: Hex[] = []
    for (let i = 0; i < 3; i++) {
      hashes.push(
        await wallet.sendTransaction({ account: alice, chain, to: bob.address, value: parseEther('1') + BigInt(i), gas: 21_000n, nonce: aliceNonce++ }),
        await wallet.sendTransaction({
          account: alice,
          chain,
          to: tokenAddress,
          data: encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [bob.address, 1000n + BigInt(i)] }),
          gas: 100_000n,
          nonce: aliceNonce++,
        }),
        await wallet.sendTransaction({ account: bob, chain, to: alice.address, value: 12345n, gas: 21_000n, nonce: bobNonce++ }),
      )
      const revert = await wallet.sendTransaction({
        account: bob,
        chain,
        to: tokenAddress,
        data: encodeFunctionData({ abi: token.abi, functionName: 'fail', args: ['nope'] }),
        gas: 100_000n,
        nonce: bobNonce++,
      })
      hashes.push(revert)
      revertHashes.push(revert)
    }
    for (const hash of hashes) {
      const receipt = await pub.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, revertHashes.includes(hash) ? 'reverted' : 'success', `status of ${hash}`)
    }

    // What A serves, recorded before it stops.
    const head = BigInt(await rpc<Hex>(a.url, 'eth_blockNumber', []))
    const servedA: { block: RpcBlock; receipts: RpcReceipt[] }[] = []
    for (let n = 0n; n <= head; n++) {
      const [block, receipts] = await Promise.all([blockAt(a.url, n), receiptsAt(a.url, n)])
      assert.ok(block && receipts, `A serves block ${n}`)
      servedA.push({ block, receipts })
    }
    assert.ok(
      servedA.some((s) => s.receipts.length > 1),
      'at least one block holds several transactions',
    )
    await stopNode(a)

    const exported = await runCli(['export', out, '--datadir', dirA])
    assertOk(exported, 'export')
    const exportedHashes = blockHashesOf(out)
    assert.match(exported.stderr, new RegExp(`exported ${exportedHashes.length} blocks`))
    assert.ok(exportedHashes.length >= Number(head), `export holds blocks 1 … ${head} (has ${exportedHashes.length})`)
    for (let n = 1; n <= Number(head); n++) assert.equal(exportedHashes[n - 1], servedA[n]!.block.hash, `exported block ${n}`)

    const genesisFile = path.join(dirA, 'chains', '901', 'genesis.json')
    const first = await importFile(genesisFile, out, dirB)
    assertOk(first, 'import')
    assert.equal(importSummary(first).imported, exportedHashes.length)
    assert.equal(importSummary(first).skipped, 0)
    assert.equal(importSummary(first).head, String(exportedHashes.length))

    const again = await importFile(genesisFile, out, dirB)
    assertOk(again, 'second import')
    assert.equal(importSummary(again).imported, 0)
    assert.equal(importSummary(again).skipped, exportedHashes.length)
    assert.equal(importSummary(again).head, String(exportedHashes.length))

    const b = await spawnNode(['--datadir', dirB, '--block-time', '12000'])
    nodes.push(b)
    try {
      assert.ok(BigInt(await rpc<Hex>(b.url, 'eth_blockNumber', [])) >= BigInt(exportedHashes.length))
      for (let n = 0; n <= Number(head); n++) {
        const [block, receipts] = await Promise.all([blockAt(b.url, n), receiptsAt(b.url, n)])
        const want = servedA[n]!
        assert.ok(block, `B serves block ${n}`)
        assert.equal(block.hash, want.block.hash, `block ${n} hash`)
        assert.equal(block.stateRoot, want.block.stateRoot, `block ${n} stateRoot`)
        assert.equal(block.receiptsRoot, want.block.receiptsRoot, `block ${n} receiptsRoot`)
        assert.deepEqual(block, want.block, `block ${n} as served`)
        assert.deepEqual(receipts, want.receipts, `block ${n} receipts`)
      }
      const last = await blockAt(b.url, exportedHashes.length)
      assert.equal(last?.hash, exportedHashes.at(-1), 'the last exported block is served')
      const revertReceipt = await rpc<RpcReceipt>(b.url, 'eth_getTransactionReceipt', [revertHashes[0]])
      assert.equal(revertReceipt.status, '0x0')
    } finally {
      await stopNode(b)
    }
  })
})

describe('plexus import of a pre-merge proof-of-work chain', () => {
  const tmp = tempDir('plexus-import-pow-')
  const genesisFile = path.join(tmp.dir, 'genesis.json')
  const chainFile = path.join(tmp.dir, 'chain.rlp')
  const nodes: SpawnedNode[] = []
  let pow: PowChain

  before(async () => {
    pow = await buildPowChain()
    writeFileSync(genesisFile, JSON.stringify(pow.genesis, null, 2))
    writeFileSync(chainFile, exportRlp(pow.blocks))
  })
  after(async () => {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL')
    tmp.cleanup()
  })

  it('executes every block under the hardfork schedule and serves the chain read-only', async () => {
    const datadir = path.join(tmp.dir, 'ok')
    const res = await importFile(genesisFile, chainFile, datadir)
    assertOk(res, 'import')
    assert.equal(importSummary(res).imported, POW_BLOCK_COUNT)

    const node = await spawnNode(['--datadir', datadir])
    nodes.push(node)
    try {
      const url = node.url
      assert.equal(await rpc(url, 'eth_chainId', []), toHex(POW_CHAIN_ID))
      assert.equal(await rpc(url, 'eth_blockNumber', []), toHex(POW_BLOCK_COUNT))

      const genesis = await blockAt(url, 0)
      assert.equal(genesis?.hash, toHex(pow.genesisBlock.hash()), 'genesis hash as geth computes it from genesis.json')

      let fees = 0n
      for (let n = 1; n <= POW_BLOCK_COUNT; n++) {
        const want = pow.blocks[n - 1]!
        const [block, receipts] = await Promise.all([blockAt(url, n), receiptsAt(url, n)])
        assert.ok(block && receipts, `block ${n} served`)
        assert.equal(block.hash, toHex(want.hash()), `block ${n} hash`)
        assert.equal(block.stateRoot, toHex(want.header.stateRoot), `block ${n} stateRoot`)
        assert.equal(block.receiptsRoot, toHex(want.header.receiptTrie), `block ${n} receiptsRoot`)
        assert.equal(block.miner, POW_MINER)
        assert.equal(BigInt(block.difficulty as Hex), want.header.difficulty, `block ${n} difficulty`)
        if (n < POW_LONDON_BLOCK) assert.equal(block.baseFeePerGas, undefined, `block ${n} is pre-London`)
        else assert.equal(BigInt(block.baseFeePerGas!), want.header.baseFeePerGas, `block ${n} base fee`)
        assert.deepEqual(
          receipts.map((r) => Number(r.status)),
          pow.statuses[n - 1],
          `block ${n} receipt statuses`,
        )
        const baseFee = block.baseFeePerGas ? BigInt(block.baseFeePerGas) : 0n
        for (const r of receipts) fees += (BigInt(r.effectiveGasPrice) - baseFee) * BigInt(r.gasUsed)
      }
      assert.ok(fees > 0n)

      // The miner: a reward per block, the tips, and the 5 wei sent to it in block 6.
      const minerBalance = BigInt(await rpc<Hex>(url, 'eth_getBalance', [POW_MINER, 'latest']))
      assert.equal(minerBalance, BigInt(POW_BLOCK_COUNT) * POW_BLOCK_REWARD + fees + 5n)
      assert.equal(minerBalance, pow.balances.miner)
      assert.equal(BigInt(await rpc<Hex>(url, 'eth_getBalance', [POW_SENDER, 'latest'])), pow.balances.sender)
      assert.equal(BigInt(await rpc<Hex>(url, 'eth_getBalance', [POW_RECIPIENT, 'latest'])), pow.balances.recipient)
      assert.equal(BigInt(await rpc<Hex>(url, 'eth_getStorageAt', [POW_COUNTER, '0x0', 'latest'])), pow.counter)
      // One log per counter call (blocks 1, 2, 3 and 5), carrying the new count.
      const logs = await rpc<{ data: Hex; blockNumber: Hex }[]>(url, 'eth_getLogs', [
        { fromBlock: '0x0', toBlock: 'latest', address: POW_COUNTER },
      ])
      assert.deepEqual(
        logs.map((l) => [Number(l.blockNumber), BigInt(l.data)]),
        [
          [1, 6n],
          [2, 7n],
          [3, 8n],
          [5, 9n],
        ],
      )
      assert.equal(pow.counter, 9n)

      // Read-only: no sequencer builds on a proof-of-work head.
      await new Promise((r) => setTimeout(r, 600))
      assert.equal(await rpc(url, 'eth_blockNumber', []), toHex(POW_BLOCK_COUNT))
    } finally {
      await stopNode(node)
    }
  })

  it('refuses a block whose state, receipts or transactions root does not match, keeping the blocks before it', async () => {
    const cases = [
      { name: 'stateroot', bad: 3, root: /stateRoot/, rlp: withHeaderField(pow.blocks[2]!, 'stateRoot', new Uint8Array(32).fill(0x5a)) },
      { name: 'receipts', bad: 5, root: /receiptTrie/, rlp: withHeaderField(pow.blocks[4]!, 'receiptTrie', new Uint8Array(32).fill(0x5b)) },
      { name: 'txs', bad: 2, root: /transactions root/, rlp: withTamperedLegacyTx(pow.blocks[1]!) },
    ]
    const results = await Promise.all(
      cases.map(async (c) => {
        const file = path.join(tmp.dir, `${c.name}.rlp`)
        const datadir = path.join(tmp.dir, c.name)
        const blocks = pow.blocks.map((b) => ({ serialize: () => b.serialize() }))
        blocks[c.bad - 1] = { serialize: () => c.rlp }
        writeFileSync(file, exportRlp(blocks))
        return { ...c, file, datadir, res: await importFile(genesisFile, file, datadir) }
      }),
    )
    for (const { bad, root, res } of results) {
      assert.notEqual(res.code, 0, `import of a bad block ${bad} must fail:\n${res.stdout}${res.stderr}`)
      assert.match(res.stderr, new RegExp(`^error: .*block ${bad}\\b`, 'm'), `names block ${bad}`)
      assert.match(res.stderr, root, `names the mismatched root`)
    }

    // The node serves the refused datadir at the last good block.
    const refused = results[0]!
    const node = await spawnNode(['--datadir', refused.datadir])
    nodes.push(node)
    try {
      assert.equal(await rpc(node.url, 'eth_blockNumber', []), toHex(refused.bad - 1))
      const head = await blockAt(node.url, refused.bad - 1)
      assert.equal(head?.hash, toHex(pow.blocks[refused.bad - 2]!.hash()))
      assert.equal(await blockAt(node.url, refused.bad), null)
    } finally {
      await stopNode(node)
    }

    // Everything before the bad block stayed: importing the good chain on top skips
    // exactly blocks 1 … bad-1 (a stored block that differed would be an error) and
    // executes the rest.
    await Promise.all(
      results.map(async ({ bad, datadir }) => {
        const resumed = await importFile(genesisFile, chainFile, datadir)
        assertOk(resumed, `import of the good chain after refusing block ${bad}`)
        assert.equal(importSummary(resumed).skipped, bad - 1, `blocks kept before bad block ${bad}`)
        assert.equal(importSummary(resumed).imported, POW_BLOCK_COUNT - (bad - 1))
        assert.equal(importSummary(resumed).head, String(POW_BLOCK_COUNT))
      }),
    )
  })
})
