import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { openBrowserPage, requireChromium } from '../helpers/browser.js'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, erc20Abi, formatUnits, http, parseAbi, parseEther, type Abi, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'


const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])
const tokenBridgeAbi = parseAbi(['function sendERC20(address token, address to, uint256 amount, uint256 chainId) returns (bytes32)'])

/** A user's contracts, compiled with the project's solc as `forge build` would. */
const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract Counter {
  address public immutable owner;
  uint256 public total;
  event Bumped(address indexed by, uint256 step, uint256 total);
  constructor(address o) { owner = o; }
  function bump(uint256 step) external { total += step; emit Bumped(msg.sender, step, total); }
}
contract Plain {
  uint256 public total;
  event Bumped(address indexed by, uint256 step, uint256 total);
  function bump(uint256 step) external { total += step * 2; emit Bumped(msg.sender, step, total); }
}`

interface Compiled {
  abi: Abi
  bytecode: Hex
  runtime: string
  immutableReferences: Record<string, { start: number; length: number }[]>
}

function compile(source: string): Record<string, Compiled> {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { 'User.sol': { content: source } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } } },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string; immutableReferences: Compiled['immutableReferences'] } } }>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  return Object.fromEntries(
    Object.entries(out.contracts['User.sol']!).map(([name, c]) => [
      name,
      { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` as Hex, runtime: `0x${c.evm.deployedBytecode.object}`, immutableReferences: c.evm.deployedBytecode.immutableReferences ?? {} },
    ]),
  )
}

/** Foundry's layout: out/<File>.sol/<Contract>.json. */
function writeFoundryArtifact(out: string, name: string, c: { abi: unknown; bytecode: string; runtime: string; immutableReferences: unknown }): void {
  mkdirSync(path.join(out, `${name}.sol`), { recursive: true })
  writeFileSync(
    path.join(out, `${name}.sol`, `${name}.json`),
    JSON.stringify({ abi: c.abi, bytecode: { object: c.bytecode }, deployedBytecode: { object: c.runtime, immutableReferences: c.immutableReferences } }),
  )
}

describe('web dashboard as an explorer (chromium)', { timeout: 300_000 }, () => {
  const tmp = tempDir()
  const out = path.join(tmp.dir, 'out')
  const compiled = compile(SOURCE)
  let net: TestNetwork
  let browser: Browser
  let page: Page
  let dashboard: string
  const clients: Record<number, PublicClient> = {}

  function wallet(chainId: number, account: PrivateKeyAccount) {
    const url = net.l2Url(chainId)
    const chain = defineChain({ id: chainId, name: `L2 ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
    return { chain, client: createWalletClient({ account, chain, transport: http(url) }) }
  }

  async function send(chainId: number, account: PrivateKeyAccount, req: { to?: Hex; data?: Hex; value?: bigint }): Promise<Hex> {
    const { chain, client } = wallet(chainId, account)
    const hash = await client.sendTransaction({ ...req, account, chain } as never)
    const receipt = await clients[chainId]!.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'success', `tx ${hash} on ${chainId}`)
    return hash
  }

  async function deploy(chainId: number, account: PrivateKeyAccount, c: Compiled, args: unknown[] = []): Promise<Hex> {
    const { chain, client } = wallet(chainId, account)
    const hash = await client.deployContract({ abi: c.abi, bytecode: c.bytecode, args, account, chain } as never)
    return (await clients[chainId]!.waitForTransactionReceipt({ hash, pollingInterval: 50 })).contractAddress!
  }

  async function relayed(chainId: number, tx: Hex): Promise<Hex> {
    const [m] = await rpc<{ msgHash: Hex }[]>(net.l2Url(chainId), 'plexus_getMessagesByTx', [`0x${chainId.toString(16)}`, tx])
    await waitFor(async () => (await rpc<{ status: string }>(net.l2Url(chainId), 'plexus_getMessage', [m!.msgHash])).status === 'relayed', 20_000, 'the message is relayed')
    return m!.msgHash
  }

  async function openTx(chainId: number, hash: Hex): Promise<string> {
    // A fresh load each time (the same URL again would only be a no-op hash navigation).
    await page.goto('about:blank')
    await page.goto(`${dashboard}/#/chain/${chainId}/tx/${hash}`)
    await page.getByRole('heading', { name: 'Internal calls' }).waitFor({ timeout: 20_000 })
    return page.locator('main').innerText()
  }

  before(async () => {
    requireChromium()
    writeFoundryArtifact(out, 'Counter', compiled.Counter!)
    // An artifact whose ABI lies: Plain's signatures with other names, on code that is not Plain's.
    writeFoundryArtifact(out, 'LyingVault', {
      ...compiled.Plain!,
      abi: parseAbi(['function bump(uint256 stolenFunds)', 'event Bumped(address indexed thief, uint256 stolenFunds, uint256 loot)']),
      runtime: compiled.Counter!.runtime.replace(/^0x60/, '0x61'),
    })
    // Hostile neighbours: they are skipped, the rest is served.
    writeFileSync(path.join(out, 'broken.json'), '{"abi": [')
    writeFileSync(path.join(out, 'huge.json'), Buffer.alloc(5 * 1024 * 1024, 0x20))
    net = await startTestNetwork({ chainIds: [901, 902], dashboard: true, abiDirs: [out] })
    dashboard = net.network.dashboardUrl!
    for (const id of [901, 902]) clients[id] = createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 }) as PublicClient
    ;({ browser, page } = await openBrowserPage())
  })
  after(async () => {
    await browser?.close()
    await net?.stop()
    tmp.cleanup()
  })

  it('decodes a user contract matched by its code (--abi-dir): name, function and event; a lying artifact decodes nothing', async () => {
    const me = privateKeyToAccount(devAccounts()[2]!.privateKey)
    const counter = await deploy(901, me, compiled.Counter!, [me.address])
    const bump = await send(901, me, { to: counter, data: encodeFunctionData({ abi: compiled.Counter!.abi, functionName: 'bump', args: [5n] }) })
    const text = await openTx(901, bump)
    // Invariant: the code matches Counter's artifact (immutable masked), so its ABI decodes the call and the log.
    assert.equal(await page.locator('[data-call="bump"]').count(), 1, text)
    assert.match(await page.locator('[data-call="bump"]').innerText(), /Counter/)
    assert.match(await page.locator('[data-call="bump"]').innerText(), /step/)
    assert.match(await page.locator('[data-event="Bumped"]').innerText(), /Counter[\s\S]*Bumped[\s\S]*total/)
    await page.goto(`${dashboard}/#/address/${counter}`)
    await page.getByRole('heading', { name: 'Counter', exact: true }).waitFor({ timeout: 15_000 })

    // Plain's selectors equal the lying artifact's, but its code is not the artifact's: shown undecoded.
    const plain = await deploy(901, me, compiled.Plain!)
    const plainBump = await send(901, me, { to: plain, data: encodeFunctionData({ abi: compiled.Plain!.abi, functionName: 'bump', args: [3n] }) })
    const plainText = await openTx(901, plainBump)
    // Invariant: an ABI is applied only to the code it was compiled to.
    assert.doesNotMatch(plainText, /LyingVault|stolenFunds|thief|loot/)
    assert.match(plainText, /Unknown function/)
    assert.equal(await page.locator('[data-event="Bumped"]').count(), 0)

    // A fresh `forge build` adds Plain's artifact: the next page decodes it, without a restart.
    writeFoundryArtifact(out, 'Plain', compiled.Plain!)
    await openTx(901, plainBump)
    await page.locator('[data-call="bump"]').waitFor({ timeout: 10_000 })
    assert.match(await page.locator('[data-call="bump"]').innerText(), /Plain/)
    const served = (await (await fetch(`${dashboard}/abis.json`)).json()) as { contracts: { name: string }[]; skipped: { file: string }[] }
    assert.deepEqual(served.contracts.map((c) => c.name).sort(), ['Counter', 'LyingVault', 'Plain'])
    assert.deepEqual(served.skipped.map((s) => s.file).sort(), ['broken.json', 'huge.json'])
  })

  it('shows a fee with its L2 execution and L1 data parts, never 0 for a real fee', async () => {
    const me = privateKeyToAccount(devAccounts()[3]!.privateKey)
    const hash = await send(902, me, { to: devAccounts()[9]!.address, value: 1n })
    const r = await rpc<{ gasUsed: Hex; effectiveGasPrice: Hex; l1Fee: Hex }>(net.l2Url(902), 'eth_getTransactionReceipt', [hash])
    const l2 = BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice)
    const l1 = BigInt(r.l1Fee)
    await openTx(902, hash)
    const fee = page.locator('[data-fee]')
    // Invariant: the page shows exactly the receipt's two parts, and their sum.
    assert.equal(await fee.getAttribute('data-fee-l2'), String(l2))
    assert.equal(await fee.getAttribute('data-fee-l1'), String(l1))
    assert.equal(await fee.getAttribute('data-fee'), String(l2 + l1))
    const text = await fee.innerText()
    assert.match(text, /L2 execution/)
    assert.match(text, /L1 data/)
    assert.ok(l1 > 0n && l2 > 0n, `a dev network charges both parts (L2 ${l2}, L1 ${l1} wei)`)
    assert.doesNotMatch(text.split('\n')[0]!, /^0 ETH$/, `a fee of ${l1 + l2} wei is not shown as 0`)
    console.log(`fee shown: ${text.replace(/\n/g, ' | ')}`)
  })

  it('shows token and ETH amounts in their units, and messages by sender, asset, amount and recipient', async () => {
    const alice = privateKeyToAccount(devAccounts()[4]!.privateKey)
    const bob = devAccounts()[5]!.address
    const [symbol, decimals] = await Promise.all([
      clients[901]!.readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: erc20Abi, functionName: 'symbol' }),
      clients[901]!.readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: erc20Abi, functionName: 'decimals' }),
    ])
    const tokens = 7n * 10n ** BigInt(decimals)
    const tokenTx = await send(901, alice, { to: PREDEPLOYS.SuperchainTokenBridge, data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [REFERENCE_SUPERCHAIN_TOKEN, bob, tokens, 902n] }) })
    const tokenMsg = await relayed(901, tokenTx)
    const ethTx = await send(901, alice, { to: PREDEPLOYS.SuperchainETHBridge, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [bob, 902n] }), value: parseEther('0.25') })
    const ethMsg = await relayed(901, ethTx)

    const text = await openTx(901, tokenTx)
    // Invariant: no amount of a known token is shown in base units.
    assert.doesNotMatch(text, /7,000,000,000,000,000,000/)
    assert.match(await page.locator('[data-call="sendERC20"]').innerText(), new RegExp(`\\b7 ${symbol}\\b`))
    assert.ok((await page.locator(`[data-amount="${tokens}"]`).count()) >= 2, 'the call and the Transfer/burn events carry the amount')

    await page.goto(`${dashboard}/#/messages`)
    const tokenRow = page.locator(`tr[data-msg="${tokenMsg}"] [data-summary="erc20"]`)
    await tokenRow.waitFor({ timeout: 20_000 })
    await page.waitForFunction(`document.querySelector('tr[data-msg="${tokenMsg}"] [data-summary]')?.innerText.includes(' ${symbol}')`, null, { timeout: 10_000 })
    const tokenSummary = await tokenRow.innerText()
    assert.match(tokenSummary, new RegExp(`sent\\s+7 ${symbol}\\s+to`))
    assert.match(tokenSummary, new RegExp(`${alice.address.slice(0, 8)}[\\s\\S]*${bob.slice(0, 8)}`, 'i'), 'from alice to bob, not bridge → bridge')
    const ethSummary = await page.locator(`tr[data-msg="${ethMsg}"] [data-summary="eth"]`).innerText()
    assert.match(ethSummary, /sent\s+0\.25 ETH\s+to/)
    assert.doesNotMatch(await page.locator(`tr[data-msg="${ethMsg}"]`).innerText(), /SuperchainETHBridge → SuperchainETHBridge/)
    assert.equal(formatUnits(tokens, decimals), '7')
  })

  it('an address page lists messages both ways (as bridge sender and recipient), and its transactions', async () => {
    const carol = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const dave = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const outTx = await send(901, carol, { to: PREDEPLOYS.SuperchainETHBridge, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [dave.address, 902n] }), value: parseEther('0.01') })
    const inTx = await send(902, dave, { to: PREDEPLOYS.SuperchainETHBridge, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [carol.address, 901n] }), value: parseEther('0.02') })
    const [outMsg, inMsg] = [await relayed(901, outTx), await relayed(902, inTx)]
    await page.goto(`${dashboard}/#/address/${carol.address}`)
    await page.getByRole('heading', { name: /Cross-chain messages/ }).waitFor({ timeout: 30_000 })
    // Invariant: every message the address sent or received is listed, with its direction.
    assert.equal(await page.locator(`tr[data-msg="${outMsg}"][data-direction="out"]`).count(), 1)
    assert.equal(await page.locator(`tr[data-msg="${inMsg}"][data-direction="in"]`).count(), 1)
    assert.match(await page.locator(`tr[data-msg="${inMsg}"]`).innerText(), /0\.02 ETH/)
    assert.equal(await page.locator(`tr[data-tx="${outTx}"][data-direction="out"]`).count(), 1, 'its own transaction is listed')
  })

  it('lists the latest blocks with no gaps, on first load and as heads arrive', async () => {
    const numbers = async (sel: string) => (await page.locator(sel).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-block'))))) as number[]
    const consecutive = (ns: number[]) => ns.every((n, i) => i === 0 || ns[i - 1]! - n === 1)
    for (let round = 0; round < 3; round++) {
      await page.goto(`${dashboard}/#/chain/902`)
      await page.locator('tr[data-block]').nth(9).waitFor({ timeout: 15_000 })
      const first = await numbers('tr[data-block]')
      // Invariant: the list is the chain's newest blocks, each one once, none missing.
      assert.ok(consecutive(first), `first load: ${first.join(', ')}`)
      await page.waitForFunction(`Number(document.querySelector('tr[data-block]')?.getAttribute('data-block')) > ${first[0]! + 3}`, null, { timeout: 15_000 })
      const later = await numbers('tr[data-block]')
      assert.ok(consecutive(later), `live: ${later.join(', ')}`)
    }
    await page.goto(`${dashboard}/`)
    await page.locator('tr[data-block-chain="902"]').first().waitFor({ timeout: 15_000 })
    for (const id of [901, 902]) {
      const ns = await numbers(`tr[data-block-chain="${id}"]`)
      assert.ok(consecutive(ns), `network page, chain ${id}: ${ns.join(', ')}`)
    }
  })
})
