import { erc20Abi, parseUnits, type Hex } from 'viem'
import { abi } from '../net/abis'
import { errorText } from '../net/errors'
import { throttle, type ChainConn, type Network } from '../net/network'
import { connectInjected, injectedProvider, loadDevAccounts, signerAddress, walletFor, type Signer } from '../net/wallet'
import { h, replace } from '../ui/dom'
import { amount } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { trackTransfer, type Transfer } from './bridgeTracker'

/** An asset the bridge moves: the chain's native currency, or a SuperchainERC20 (same address on every rollup). */
interface Asset {
  key: string
  symbol: string
  decimals: number
  /** undefined: the native currency. */
  token?: Hex
}

/**
 * The one-click bridge: source, destination, asset, amount; one confirmation; then a live
 * tracker until the funds arrive. Rollup → rollup moves through the interop bridges
 * (relayed by the network), L1 → rollup is a Portal deposit, rollup → L1 a withdrawal
 * (then prove and finalize from the tracker). Signs with the injected wallet, or on a dev
 * network with one of the test mnemonic's accounts.
 */
export function bridgePage(el: HTMLElement, net: Network, _params: Record<string, string>, query: URLSearchParams): () => void {
  const subs = new Subscriptions()
  const chains = net.chains
  const l2s = net.l2s
  const provider = injectedProvider()
  let signer: Signer | undefined

  const opt = (c: ChainConn) => h('option', { value: c.id }, `${c.name}${c.kind === 'l1' ? ' (Ethereum L1)' : ''}`)
  const from = h('select', { id: 'from', 'aria-label': 'From chain' }, chains.map(opt))
  const to = h('select', { id: 'to', 'aria-label': 'To chain' }, chains.map(opt))
  from.value = String(Number(query.get('from')) || l2s[0]?.id || chains[0]?.id)
  to.value = String(Number(query.get('to')) || l2s[1]?.id || l2s[0]?.id || chains[0]?.id)
  const asset = h('select', { id: 'asset', 'aria-label': 'Asset' })
  const amountInput = h('input.amount', { id: 'amount', type: 'text', inputmode: 'decimal', placeholder: '0.0', autocomplete: 'off', value: query.get('amount') ?? '' })
  const recipient = h('input.mono', { id: 'recipient', type: 'text', placeholder: 'same account', autocomplete: 'off', spellcheck: 'false' })
  const account = h('select', { id: 'account', 'aria-label': 'Account' })
  const balance = h('div.hint', { id: 'balance' })
  const status = h('div.hint')
  const submit = h('button.primary', { type: 'submit', id: 'send' }, 'Bridge')
  const tracker = h('section.panel', { id: 'tracker', hidden: true })

  let assets: Asset[] = []
  const selectedAsset = () => assets.find((a) => a.key === asset.value) ?? assets[0]
  const chainOf = (s: HTMLSelectElement) => net.chain(Number(s.value))!

  const fillAssets = async () => {
    const src = chainOf(from)
    const native: Asset = { key: 'native', symbol: src.nativeCurrency.symbol, decimals: src.nativeCurrency.decimals }
    const tokens: Asset[] = []
    if (src.kind === 'l2' && chainOf(to).kind === 'l2') {
      for (const address of Object.values(src.registryEntry?.contracts.superchainERC20 ?? {})) {
        const [symbol, decimals] = await Promise.all([
          src.client.readContract({ address, abi: erc20Abi, functionName: 'symbol' }).catch(() => undefined),
          src.client.readContract({ address, abi: erc20Abi, functionName: 'decimals' }).catch(() => undefined),
        ])
        if (symbol !== undefined && decimals !== undefined) tokens.push({ key: address.toLowerCase(), symbol, decimals, token: address })
      }
    }
    const keep = asset.value
    assets = [native, ...tokens]
    replace(asset, assets.map((a) => h('option', { value: a.key }, a.token ? `${a.symbol} · SuperchainERC20` : `${a.symbol} (native)`)))
    if (assets.some((a) => a.key === keep)) asset.value = keep
  }

  const showBalance = async () => {
    const a = selectedAsset()
    if (!signer || !a) return void (balance.textContent = '')
    const src = chainOf(from)
    const who = signerAddress(signer)
    const value = a.token
      ? await src.client.readContract({ address: a.token, abi: erc20Abi, functionName: 'balanceOf', args: [who] }).catch(() => undefined)
      : await src.client.getBalance({ address: who }).catch(() => undefined)
    balance.textContent = value === undefined ? '' : `Balance on ${src.name}: ${amount(value, a.symbol, a.decimals)}`
  }

  const validate = (): string | undefined => {
    const src = chainOf(from)
    const dst = chainOf(to)
    if (!signer) return 'Choose an account'
    if (src.id === dst.id) return 'Choose two different chains'
    if (src.kind === 'l1' && dst.kind === 'l1') return 'Choose a rollup on one side'
    if (!amountInput.value.trim()) return 'Enter an amount'
    try {
      if (parseUnits(amountInput.value.trim(), selectedAsset()!.decimals) <= 0n) return 'Enter an amount above zero'
    } catch {
      return 'Enter a number, e.g. 0.5'
    }
    if (recipient.value.trim() && !/^0x[0-9a-fA-F]{40}$/.test(recipient.value.trim())) return 'Recipient must be a 0x address'
    return undefined
  }
  const refresh = () => {
    const problem = validate()
    submit.toggleAttribute('disabled', problem !== undefined)
    status.textContent = problem ?? routeText(chainOf(from), chainOf(to))
  }

  // Accounts: the dev accounts (dev network only), and the injected wallet.
  const accountOptions: HTMLOptionElement[] = []
  if (provider) accountOptions.push(h('option', { value: 'injected' }, 'Browser wallet (MetaMask, …)'))
  replace(account, accountOptions)
  const chooseAccount = async () => {
    signer = undefined
    if (account.value === 'injected' && provider) {
      try {
        signer = await connectInjected(provider)
      } catch (e) {
        status.textContent = (e as Error).message
      }
    } else if (account.value.startsWith('dev:')) {
      const index = Number(account.value.slice(4))
      signer = { kind: 'dev', index, account: (await loadDevAccounts())[index]! }
    }
    refresh()
    void showBalance()
  }
  if (net.dev) {
    void loadDevAccounts().then((list) => {
      account.append(...list.map((a, i) => h('option', { value: `dev:${i}` }, `Dev account ${i} · ${a.address.slice(0, 8)}…${a.address.slice(-4)}`)))
      if (!provider) account.value = 'dev:0'
      void chooseAccount()
    })
  } else if (!provider) {
    account.append(h('option', { value: '' }, 'No wallet found'))
  }

  const swap = h('button.swap', { type: 'button', title: 'Swap direction', 'aria-label': 'Swap direction', onclick: () => ([from.value, to.value] = [to.value, from.value], onRoute()) }, '⇄')
  const onRoute = () => void fillAssets().then(() => (refresh(), showBalance()))
  from.addEventListener('change', onRoute)
  to.addEventListener('change', onRoute)
  asset.addEventListener('change', () => (refresh(), void showBalance()))
  amountInput.addEventListener('input', refresh)
  recipient.addEventListener('input', refresh)
  account.addEventListener('change', () => void chooseAccount())

  const form = h(
    'form.panel',
    {
      id: 'bridge-form',
      onsubmit: (e: Event) => {
        e.preventDefault()
        void send()
      },
    },
    !net.dev && !provider ? h('div.notice', null, 'Install an Ethereum wallet (e.g. MetaMask) to bridge on this network.') : null,
    net.dev ? h('div.notice', null, 'Dev network: the test accounts sign in this page, no wallet needed.') : null,
    h('div.field', null, h('label', { for: 'account' }, 'Account'), account),
    h('div.row.field', null, h('div', null, h('label', { for: 'from' }, 'From'), from), swap, h('div', null, h('label', { for: 'to' }, 'To'), to)),
    h('div.field', null, h('label', { for: 'asset' }, 'Asset'), asset),
    h('div.field', null, h('label', { for: 'amount' }, 'Amount'), amountInput, balance),
    h('div.field', null, h('label', { for: 'recipient' }, 'Recipient (optional)'), recipient),
    submit,
    status,
  )
  el.append(h('div.bridge', null, h('div.page-head', null, h('h1', null, 'Bridge')), form, tracker))

  const send = async () => {
    const problem = validate()
    if (problem || !signer) return
    const src = chainOf(from)
    const dst = chainOf(to)
    const a = selectedAsset()!
    const value = parseUnits(amountInput.value.trim(), a.decimals)
    const who = signerAddress(signer)
    const dest = (recipient.value.trim() || who) as Hex
    submit.setAttribute('disabled', '')
    status.textContent = signer.kind === 'injected' ? 'Confirm in your wallet …' : 'Sending …'
    try {
      const wallet = await walletFor(signer, src)
      const account = wallet.account!
      const chain = src.viemChain
      const contracts = src.registryEntry?.contracts.l2 ?? {}
      let hash: Hex
      let kind: Transfer['kind']
      if (src.kind === 'l1') {
        kind = 'deposit'
        hash = await wallet.writeContract({ account, chain, address: net.registry!.l1.contracts.Portal!, abi: abi('Portal'), functionName: 'depositETH', args: [BigInt(dst.id), dest], value })
      } else if (dst.kind === 'l1') {
        kind = 'withdrawal'
        hash = await wallet.writeContract({ account, chain, address: contracts.L2ToL1MessagePasser!, abi: abi('L2ToL1MessagePasser'), functionName: 'initiateWithdrawal', args: [dest, 100_000n, '0x'], value })
      } else if (a.token) {
        kind = 'interop'
        hash = await wallet.writeContract({ account, chain, address: contracts.SuperchainTokenBridge!, abi: abi('SuperchainTokenBridge'), functionName: 'sendERC20', args: [a.token, dest, value, BigInt(dst.id)] })
      } else {
        kind = 'interop'
        hash = await wallet.writeContract({ account, chain, address: contracts.SuperchainETHBridge!, abi: abi('SuperchainETHBridge'), functionName: 'sendETH', args: [dest, BigInt(dst.id)], value })
      }
      status.textContent = ''
      const transfer: Transfer = { kind, from: src.id, to: dst.id, tx: hash, amount: value, symbol: a.symbol, decimals: a.decimals, token: a.token, recipient: dest }
      // The tracker lives in the URL: a reload or a shared link resumes it.
      history.replaceState(null, '', `#/bridge?${trackerQuery(transfer)}`)
      startTracker(transfer)
    } catch (e) {
      status.textContent = errorText(e)
    } finally {
      refresh()
    }
  }

  let stopTracker: (() => void) | undefined
  const startTracker = (t: Transfer) => {
    stopTracker?.()
    tracker.hidden = false
    stopTracker = trackTransfer(tracker, net, t, () => signer, () => void showBalance())
  }
  subs.add(() => stopTracker?.())
  const resumed = transferFromQuery(query)
  if (resumed) startTracker(resumed)

  // Balances change with every block of the source chain: follow them (throttled), no polling.
  const follow = throttle(() => void showBalance(), net.slotMs)
  for (const c of chains) subs.add(c.on('head', () => c.id === Number(from.value) && follow()))
  void fillAssets().then(refresh)
  return subs.stop
}

function routeText(src: ChainConn, dst: ChainConn): string {
  if (src.kind === 'l1') return `Deposit through the L1 Portal: arrives on ${dst.name} in a few seconds.`
  if (dst.kind === 'l1') return 'Withdrawal: after the output root is on L1, prove it, wait out the challenge window, finalize.'
  return `Native interop: the network relays it to ${dst.name} in the same or the next slot.`
}

function trackerQuery(t: Transfer): string {
  const p = new URLSearchParams({ kind: t.kind, from: String(t.from), to: String(t.to), tx: t.tx, value: t.amount.toString(), symbol: t.symbol, decimals: String(t.decimals), recipient: t.recipient })
  if (t.token) p.set('token', t.token)
  return p.toString()
}

function transferFromQuery(q: URLSearchParams): Transfer | undefined {
  const tx = q.get('tx')
  const kind = q.get('kind')
  if (!tx || !/^0x[0-9a-fA-F]{64}$/.test(tx) || (kind !== 'interop' && kind !== 'deposit' && kind !== 'withdrawal')) return undefined
  return {
    kind,
    from: Number(q.get('from')),
    to: Number(q.get('to')),
    tx: tx as Hex,
    amount: BigInt(q.get('value') ?? '0'),
    symbol: q.get('symbol') ?? 'ETH',
    decimals: Number(q.get('decimals') ?? 18),
    token: (q.get('token') as Hex | null) ?? undefined,
    recipient: (q.get('recipient') ?? '0x') as Hex,
  }
}

