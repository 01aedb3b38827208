import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { openBrowserPage, requireChromium } from '../helpers/browser.js'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, parseEther, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { joiningChainOptions } from '../../src/node/networkAdmin.js'

const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-results/dashboard')

const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])
const messengerAbi = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const probeAbi = loadArtifact('MessageProbe').abi

describe('web dashboard (chromium)', () => {
  let net: TestNetwork
  let browser: Browser
  let page: Page
  let dashboard: string
  const clients: Record<number, PublicClient> = {}

  async function send(chainId: number, account: PrivateKeyAccount, req: { to?: Hex; data?: Hex; value?: bigint }): Promise<Hex> {
    const url = net.l2Url(chainId)
    const chain = defineChain({ id: chainId, name: `L2 ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
    const hash = await createWalletClient({ account, chain, transport: http(url) }).sendTransaction({ ...req, account, chain } as never)
    const receipt = await clients[chainId]!.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'success', `tx ${hash} on ${chainId}`)
    return hash
  }

  /** Opens the bridge, fills it in and sends with one click. */
  async function bridge(p: { account?: string; from: string; to: string; amount: string }): Promise<void> {
    await page.goto(`${dashboard}/#/bridge`)
    await page.waitForFunction(`document.getElementById('account')?.value === 'dev:0'`, null, { timeout: 15_000 })
    if (p.account) await page.selectOption('#account', p.account)
    await page.selectOption('#from', p.from)
    await page.selectOption('#to', p.to)
    await page.fill('#amount', p.amount)
    await page.locator('#send:not([disabled])').click()
  }

  /** Waits for the bridge tracker to reach `stage`; on timeout the error says where it stands. */
  async function trackerAt(stage: string, timeout: number): Promise<void> {
    try {
      await page.locator(`#tracker[data-stage="${stage}"]`).waitFor({ timeout })
    } catch (err) {
      const now = await page.locator('#tracker').getAttribute('data-stage').catch(() => null)
      const text = await page.locator('#bridge-form, #tracker').allInnerTexts().catch(() => [])
      throw new Error(`tracker did not reach "${stage}" (at "${now}"):\n${text.join('\n')}`, { cause: err })
    }
  }

  async function shot(name: string, p: Page = page): Promise<void> {
    // From the top: the sticky header would otherwise sit mid-page in a full-page capture.
    await p.evaluate('window.scrollTo(0, 0)')
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
  }

  before(async () => {
    requireChromium()
    mkdirSync(SHOTS, { recursive: true })
    // debug_* (call trees) exposed on 901 only: 902 keeps the default, and its transaction
    // pages must say how to open it rather than show nothing; plexus_retryMessage stays closed
    net = await startTestNetwork({ chainIds: [901, 902], dashboard: true, rpcByChain: { 901: { expose: ['debug'] } } })
    dashboard = net.network.dashboardUrl!
    for (const id of [901, 902]) clients[id] = createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 }) as PublicClient
    ;({ browser, page } = await openBrowserPage())
  })
  after(async () => {
    await browser?.close()
    await net?.stop()
  })

  it('lists every chain, L1 included, with heads that advance live', async () => {
    await page.goto(`${dashboard}/`)
    for (const id of [900, 901, 902]) await page.locator(`[data-chain="${id}"] [data-head]`).waitFor()
    const headOf = async (id: number) => BigInt((await page.locator(`[data-chain="${id}"] [data-head]`).getAttribute('data-head')) || '0')
    const first = await headOf(902)
    // No reload: the page follows newHeads over the WebSocket.
    // (Expressions as strings: they run in the page, whose DOM types this tsconfig does not load.)
    await page.waitForFunction(`BigInt(document.querySelector('[data-chain="902"] [data-head]')?.getAttribute('data-head') || '0') > ${first + 2n}n`, null, { timeout: 15_000 })
    assert.ok((await headOf(902)) > first + 2n)
    // The safe head arrives from plexus_syncStatus once a batch is on L1.
    await page.waitForFunction(`/\\d/.test(document.querySelector('[data-chain="901"] [data-safe]')?.textContent ?? '')`, null, { timeout: 20_000 })
    assert.match(await page.locator('[data-chain="900"]').innerText(), /L1/)
    await shot('network')
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true })
    await phone.goto(`${dashboard}/`)
    await phone.locator('[data-chain="902"] [data-head]').waitFor()
    await shot('network-phone', phone)
    await phone.close()
  })

  it('finds a transaction by its hash on any chain and shows it decoded', async () => {
    const sender = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const hash = await send(902, sender, { to: PREDEPLOYS.SuperchainETHBridge, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [sender.address, 901n] }), value: parseEther('0.1') })
    await page.goto(`${dashboard}/`)
    await page.fill('input[type=search]', hash)
    await page.press('input[type=search]', 'Enter')
    await page.waitForURL((u) => u.hash === `#/chain/902/tx/${hash}`, { timeout: 15_000 })
    await page.getByRole('heading', { name: 'Internal calls' }).waitFor()
    const text = await page.locator('main').innerText()
    assert.match(text, /success/)
    assert.match(text, /sendETH/, 'the call is decoded with the predeploy ABI')
    assert.match(text, /SentMessage/, 'the messenger log is decoded')
    assert.match(text, /Cross-chain messages/)
    // 902 keeps debug_* closed (the default): the page says how to open it
    assert.match(await page.locator('[data-trace-closed]').innerText(), /--rpc-expose debug/)
    await shot('transaction')
  })

  it('bridges ETH 901 → 902 with a dev account in one click, and the tracker reaches "arrived"', async () => {
    const account0 = devAccounts()[0]!.address
    const before = await clients[902]!.getBalance({ address: account0 })
    await bridge({ from: '901', to: '902', amount: '0.25' })
    await trackerAt('arrived', 30_000)
    const after = await clients[902]!.getBalance({ address: account0 })
    assert.equal(after - before, parseEther('0.25'), 'the destination balance grew by the amount')
    assert.match(await page.locator('#tracker').innerText(), /Relayed on \S*902/)
    await shot('bridge')
  })

  // (to 901: the withdrawal below needs ETH in 901's escrow on L1; dev balances were never deposited)
  it('deposits ETH from L1 to 901 through the same page, to "arrived"', async () => {
    const account0 = devAccounts()[0]!.address
    const before = await clients[901]!.getBalance({ address: account0 })
    await bridge({ from: '900', to: '901', amount: '0.5' })
    await trackerAt('arrived', 60_000)
    assert.equal((await clients[901]!.getBalance({ address: account0 })) - before, parseEther('0.5'))
    await shot('bridge-deposit')
  })

  it('withdraws 901 → L1: the tracker offers prove, shows when it is finalizable, and finalizes', async () => {
    const account1 = devAccounts()[1]!
    const l1 = createPublicClient({ transport: http(net.l1Url), cacheTime: 0 })
    await bridge({ account: 'dev:1', from: '901', to: '900', amount: '0.2' })
    await trackerAt('ready-to-prove', 90_000)
    await shot('bridge-withdrawal-prove')
    await page.click('#prove')
    await trackerAt('finalizable', 60_000)
    assert.match(await page.locator('#tracker').innerText(), /finalizable at/)
    const before = await l1.getBalance({ address: account1.address })
    await page.click('#finalize')
    await trackerAt('arrived', 60_000)
    const after = await l1.getBalance({ address: account1.address })
    // Finalizing costs L1 gas, paid by the same account: more than 0.19 ETH arrived.
    assert.ok(after - before > parseEther('0.19'), `L1 balance grew by ${after - before}`)
    await shot('bridge-withdrawal')
  })

  it('an unpaid message shows how to deliver it; a top-up from the page relays it, and a failed relay asks for another', async () => {
    const deployer = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const artifact = loadArtifact('MessageProbe')
    const url = net.l2Url(902)
    const chain = defineChain({ id: 902, name: 'L2 902', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
    const deploy = await createWalletClient({ account: deployer, chain, transport: http(url) }).deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, account: deployer, chain })
    const probe = (await clients[902]!.waitForTransactionReceipt({ hash: deploy, pollingInterval: 50 })).contractAddress!
    await send(902, deployer, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'setClosed', args: [true] }) })
    const sender = privateKeyToAccount(devAccounts()[8]!.privateKey)
    // sent without paying for its relay: the network does not relay it
    const tx = await send(901, sender, {
      to: PREDEPLOYS.L2ToL2CrossDomainMessenger,
      data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, probe, encodeFunctionData({ abi: probeAbi, functionName: 'receiveValue', args: [7n] })] }),
    })
    const [msg] = await rpc<{ msgHash: Hex }[]>(net.l2Url(901), 'plexus_getMessagesByTx', ['0x385', tx])

    await page.goto(`${dashboard}/#/messages`)
    const unpaid = page.locator(`tr[data-msg="${msg!.msgHash}"][data-status="sent"][data-auto-relay="false"]`)
    await unpaid.waitFor({ timeout: 20_000 })
    assert.match(await unpaid.innerText(), /unpaid/)
    await unpaid.locator(`a[href="#/message/${msg!.msgHash}"]`).first().click()
    const help = page.locator('[data-relay-help]')
    await help.waitFor()
    assert.match(await help.innerText(), /payForRelay/)
    assert.match(await help.innerText(), /plexus_relayMessageTx/)
    assert.equal(await page.locator('#retry').count(), 0, 'no retry is offered with nothing paid')
    // the hand relay: the messenger call with the executing message declared
    await page.click('#hand-relay')
    await page.locator('[data-hand-relay]', { hasText: new RegExp(`"to": "${PREDEPLOYS.L2ToL2CrossDomainMessenger}"`, 'i') }).waitFor({ timeout: 10_000 })
    assert.match(await page.locator('[data-hand-relay]').innerText(), /"accessList"/)
    await shot('message-unpaid')

    // A top-up from the page (dev account 0 on 901): the network relays it; the closed probe makes it fail.
    await page.click('#pay')
    const failure = page.locator('[data-failure]')
    await failure.waitFor({ timeout: 20_000 })
    assert.match(await failure.innerText(), /probe: closed/)
    // Invariant: the failed relay used up what was paid, so no retry is offered, only another top-up.
    await page.locator('[data-relay-gas="0"][data-paid-gas="200000"]').waitFor()
    await help.waitFor()
    assert.equal(await page.locator('#retry').count(), 0, 'no retry is offered once the paid gas is used up')
    await shot('message-failed')
    const listed = await rpc<{ status: string; paidGas: Hex; relayGas: Hex; autoRelay: boolean }>(net.l2Url(902), 'plexus_getMessage', [msg!.msgHash])
    assert.deepEqual([listed.status, BigInt(listed.paidGas), BigInt(listed.relayGas), listed.autoRelay], ['failed', 200_000n, 0n, false])

    await send(902, deployer, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'setClosed', args: [false] }) })
    await page.locator('#pay:not([disabled])').click()
    // The plexus_messages subscription moves the page to relayed without a reload.
    await page.locator('.page-head [data-status="relayed"]').waitFor({ timeout: 20_000 })
    await waitFor(async () => (await clients[902]!.readContract({ address: probe, abi: probeAbi, functionName: 'lastValue' })) === 7n, 10_000, 'the topped-up relay ran')
    assert.equal(await page.locator('[data-relay-help]').count(), 0, 'a relayed message needs nothing more')

    // 901 exposes debug_*: its transaction page shows the call tree
    await page.goto(`${dashboard}/#/chain/901/tx/${tx}`)
    await page.locator('.calltree').waitFor({ timeout: 15_000 })
    assert.equal(await page.locator('[data-trace-closed]').count(), 0)
  })

  it('renders the chain, block and address pages', async () => {
    const account0 = devAccounts()[0]!.address
    await page.goto(`${dashboard}/#/chain/901`)
    await page.getByRole('heading', { name: 'Latest blocks' }).waitFor()
    await shot('chain')
    await page.goto(`${dashboard}/#/chain/901/block/3`)
    await page.getByRole('heading', { name: 'Block 3' }).waitFor()
    assert.match(await page.locator('main').innerText(), /deposit/, 'every rollup block opens with the L1-info deposit')
    await shot('block')
    await page.goto(`${dashboard}/#/address/${account0}`)
    await page.locator('tr[data-chain="902"]').waitFor()
    await page.getByRole('heading', { name: /Cross-chain messages/ }).waitFor()
    assert.match(await page.locator('tr[data-chain="902"]').innerText(), /ETH/)
    await shot('address')
  })

  it('a chain that joins the running network appears on the open network page, without a reload, and its head advances', async () => {
    await page.goto(`${dashboard}/`)
    await page.locator('[data-chain="902"] [data-head]').waitFor()
    // A marker on the page: a reload (or navigation) would drop it.
    await page.evaluate('window.__notReloaded = true')
    const joined = await net.network.addChain(joiningChainOptions(net.network.chains(), { name: 'late-joiner', rpcPort: 0 }))
    const id = Number(joined.chainId)
    await page.locator(`[data-chain="${id}"] [data-head]`).waitFor({ timeout: 20_000 })
    assert.match(await page.locator(`[data-chain="${id}"]`).innerText(), /late-joiner/)
    assert.match(await page.locator('.page-head .sub').innerText(), /^3 rollups settled on L1 900/)
    const first = BigInt((await page.locator(`[data-chain="${id}"] [data-head]`).getAttribute('data-head')) || '0')
    await page.waitForFunction(`BigInt(document.querySelector('[data-chain="${id}"] [data-head]')?.getAttribute('data-head') || '0') > ${first + 2n}n`, null, { timeout: 15_000 })
    assert.equal(await page.evaluate('window.__notReloaded === true'), true)
    await shot('network-joined')
  })
})
