import { formatUnits } from 'viem'
import { contractName } from '../net/abis'
import { h, type Child } from './dom'

/** 0x1234…abcd */
export function short(hex: string, keep = 6): string {
  return hex.length <= 2 + keep * 2 + 1 ? hex : `${hex.slice(0, 2 + keep)}…${hex.slice(-keep)}`
}

/** Two overlapping squares, drawn (no icon font: system fonts lack a copy glyph). */
const COPY_ICON =
  '<svg width="12" height="12" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true"><rect x="5" y="5" width="9" height="9" rx="2"/><path d="M11 5V3.5A1.5 1.5 0 0 0 9.5 2h-6A1.5 1.5 0 0 0 2 3.5v6A1.5 1.5 0 0 0 3.5 11H5"/></svg>'

/** A copy-to-clipboard button for `value`. */
export function copyButton(value: string): HTMLElement {
  const btn = h('button.copy', { type: 'button', title: 'Copy', 'aria-label': 'Copy', 'data-copy': value })
  btn.innerHTML = COPY_ICON
  btn.addEventListener('click', (e) => {
    e.preventDefault()
    e.stopPropagation()
    void navigator.clipboard?.writeText(value).then(() => {
      btn.classList.add('copied')
      setTimeout(() => btn.classList.remove('copied'), 900)
    })
  })
  return btn
}

/** A hash or address: truncated, monospace, full value on hover, copyable, linked when `href`. */
export function hex(value: string, href?: string, opts: { keep?: number; full?: boolean } = {}): HTMLElement {
  const text = opts.full ? value : short(value, opts.keep)
  const inner = href ? h('a.mono', { href, title: value }, text) : h('span.mono', { title: value }, text)
  return h('span.hex', null, inner, copyButton(value))
}

/** An address with its known contract name. */
export function address(value: string | null | undefined, chainId?: number): Child {
  if (!value) return h('span.muted', null, '—')
  const name = contractName(value, chainId)
  // A known contract shows its name (the address on hover, and copyable).
  if (name) return h('span.addr', null, h('a.tag', { href: routes.address(value, chainId), title: value }, name), copyButton(value))
  return h('span.addr', null, hex(value, routes.address(value, chainId)))
}

export const routes = {
  network: () => '#/',
  chain: (id: number | bigint) => `#/chain/${id}`,
  block: (chainId: number | bigint, n: bigint | number | string) => `#/chain/${chainId}/block/${n}`,
  tx: (chainId: number | bigint, hash: string) => `#/chain/${chainId}/tx/${hash}`,
  address: (a: string, chainId?: number) => `#/address/${a}${chainId ? `?chain=${chainId}` : ''}`,
  message: (hash: string) => `#/message/${hash}`,
  messages: (tab?: string) => `#/messages${tab ? `/${tab}` : ''}`,
  bridge: () => '#/bridge',
  search: (q: string) => `#/search/${encodeURIComponent(q)}`,
}

/** 1.2345 ETH: at most `digits` decimals, trailing zeros dropped. */
export function amount(wei: bigint, symbol = 'ETH', decimals = 18, digits = 6): string {
  const s = formatUnits(wei, decimals)
  const [int, frac = ''] = s.split('.')
  const f = frac.slice(0, digits).replace(/0+$/, '')
  return `${Number(int).toLocaleString('en-US')}${f ? `.${f}` : ''} ${symbol}`.trim()
}

/**
 * A fee: never shown as 0 when it is not. At least 0.000001 of the currency shows in it
 * (up to 12 decimals); anything smaller in gwei (up to 9 decimals, so 1 wei shows), as
 * Etherscan and Blockscout show small fees.
 */
export function feeAmount(wei: bigint, symbol = 'ETH'): string {
  if (wei === 0n) return `0 ${symbol}`
  if (wei >= 10n ** 12n) return amount(wei, symbol, 18, 12)
  return `${amount(wei, '', 9, 9)} gwei`
}

/** A gas price in gwei (up to 9 decimals: 1 wei shows). */
export function gwei(wei: bigint): string {
  return `${amount(wei, '', 9, 9)} gwei`
}

export function num(n: bigint | number): string {
  return n.toLocaleString('en-US')
}

/** "12 s ago", "3 min ago", or a date for anything older than a day. */
export function ago(unixSeconds: bigint | number): string {
  const s = Math.max(0, Math.floor(Date.now() / 1000 - Number(unixSeconds)))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return new Date(Number(unixSeconds) * 1000).toLocaleString()
}

/** Redraws the relative times (cells with `data-ago`, unix seconds) under `root`. */
export function refreshAges(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-ago]')) el.textContent = ago(BigInt(el.dataset.ago!))
}

export function dateTime(unixSeconds: bigint | number): string {
  return new Date(Number(unixSeconds) * 1000).toLocaleString()
}

/** A status pill: ok (green), warn (amber), bad (red), info (blue), or neutral. */
export function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'info' | 'neutral' = 'neutral'): HTMLElement {
  return h('span', { class: `badge ${tone}`, 'data-status': text }, text)
}

/** A label/value list (definition list) laid out as a two-column table on wide screens. */
export function fields(rows: [string, Child][]): HTMLElement {
  return h('dl.fields', null, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]))
}

/** A value of a decoded argument, readable: addresses and hashes as hex, numbers grouped. */
export function argValue(v: unknown, chainId?: number): Child {
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)) return address(v, chainId)
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{64}$/.test(v)) return hex(v)
  if (typeof v === 'string' && v.startsWith('0x') && v.length > 66) return h('span.mono.wrap', { title: v }, short(v, 20))
  if (typeof v === 'bigint') return h('span.mono', null, v.toLocaleString('en-US'))
  if (Array.isArray(v)) return h('span', null, '[', v.map((x, i) => [i ? ', ' : '', argValue(x, chainId)]), ']')
  if (v && typeof v === 'object') {
    return h('span', null, '{ ', Object.entries(v).map(([k, x], i) => [i ? ', ' : '', h('span.muted', null, `${k}: `), argValue(x, chainId)]), ' }')
  }
  return h('span.mono', null, String(v))
}
