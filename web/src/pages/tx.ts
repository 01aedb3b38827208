import { type Hex, type Transaction, type TransactionReceipt } from 'viem'
import { decodeCall, decodeLog, decodeRevert, type DecodedCall } from '../net/abis'
import { prepareUnits, unitOf } from '../net/tokens'
import { identify } from '../net/userAbis'
import { isMethodClosed } from '../net/errors'
import type { ChainConn, Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { append, h, type Child } from '../ui/dom'
import { address, amount, argValue, badge, dateTime, feeAmount, fields, gwei, hex, num, routes } from '../ui/format'
import { messageStatus } from '../ui/messageStatus'

/** geth's callTracer frame. */
interface CallFrame {
  type: string
  from: Hex
  to?: Hex
  value?: Hex
  gas: Hex
  gasUsed: Hex
  input: Hex
  output?: Hex
  error?: string
  revertReason?: string
  calls?: CallFrame[]
}

/**
 * A transaction: status and revert reason, the decoded call, decoded logs, the internal
 * calls (callTracer), and the cross-chain messages it sent or relayed.
 */
export function txPage(el: HTMLElement, net: Network, params: Record<string, string>): void {
  const c = net.chain(Number(params.chain))
  if (!c) return void el.append(h('div.panel', null, h('h2', null, `Chain ${params.chain} is not part of this network`)))
  const hash = params.hash as Hex
  el.append(h('p.muted', null, 'Loading transaction …'))
  void load(el, net, c, hash)
}

async function load(el: HTMLElement, net: Network, c: ChainConn, hash: Hex): Promise<void> {
  let tx: Transaction
  try {
    tx = await c.client.getTransaction({ hash })
  } catch {
    el.replaceChildren(h('div.panel', null, h('h2', null, 'Transaction not found'), h('p.muted', null, `${hash} is not on ${c.name}. `, h('a', { href: routes.search(hash) }, 'Search every chain'))))
    return
  }
  const [receipt, traced, sent] = await Promise.all([
    c.client.getTransactionReceipt({ hash }).catch(() => undefined),
    // debug_* is closed on a node's public RPC unless its operator exposes it: say so rather than show nothing
    c.client.request({ method: 'debug_traceTransaction' as never, params: [hash, { tracer: 'callTracer' }] as never }).catch((e: unknown) => (isMethodClosed(e) ? 'closed' : undefined)) as Promise<CallFrame | 'closed' | undefined>,
    c.kind === 'l2'
      ? (c.client.request({ method: 'plexus_getMessagesByTx' as never, params: [`0x${c.id.toString(16)}`, hash] as never }).catch(() => []) as Promise<RpcMessage[]>)
      : Promise.resolve([] as RpcMessage[]),
  ])
  const trace = traced === 'closed' ? undefined : traced
  const block = receipt ? await c.client.getBlock({ blockHash: receipt.blockHash }).catch(() => undefined) : undefined
  // The user's contracts this transaction touched (by code, from --abi-dir), then the token units of its amounts.
  await identify(c, [tx.to, receipt?.contractAddress, ...(receipt?.logs ?? []).map((l) => l.address), ...framesOf(trace).map((f) => f.to)])
  const call = decodeCall(tx.to, tx.input, c.id)
  const logs = (receipt?.logs ?? []).map((l) => ({ log: l, decoded: decodeLog(l.address, l.topics, l.data, c.id) }))
  await prepareUnits(c, [{ contract: tx.to, decoded: call }, ...logs.map(({ log, decoded }) => ({ contract: log.address, decoded }))])
  const symbol = net.symbol(c.id)
  const reverted = receipt?.status === 'reverted'
  const reason = reverted ? (trace?.revertReason ?? decodeRevert(trace?.output) ?? trace?.error ?? 'execution reverted') : undefined
  const isDeposit = (tx.typeHex as string) === '0x7e' || (tx.type as string) === 'deposit'

  // Messages this transaction relayed: RelayedMessage logs name their hashes.
  const relayed = logs
    .map((l) => l.decoded)
    .filter((d) => d?.eventName === 'RelayedMessage')
    .map((d) => d!.args.find((a) => a.name === 'messageHash' || a.name === 'msgHash')?.value as Hex | undefined)
    .filter((x): x is Hex => !!x)

  el.replaceChildren()
  append(el, [
    h('div.page-head', null, h('h1', null, 'Transaction'), h('a.sub', { href: routes.chain(c.id) }, c.name), isDeposit ? badge('deposit from L1', 'info') : null),
    h(
      'section.panel',
      null,
      fields([
        ['Hash', hex(tx.hash, undefined, { full: true })],
        ['Status', receipt ? (reverted ? badge('reverted', 'bad') : badge('success', 'ok')) : badge('pending', 'warn')],
        ...(reason ? ([['Revert reason', h('div.reason', { 'data-revert': '' }, reason)]] as [string, Child][]) : []),
        ['Block', receipt ? h('span', null, h('a.mono', { href: routes.block(c.id, receipt.blockNumber) }, num(receipt.blockNumber)), block ? h('span.muted', null, `  ${dateTime(block.timestamp)}`) : null) : '—'],
        ['From', address(tx.from, c.id)],
        ['To', tx.to ? address(tx.to, c.id) : receipt?.contractAddress ? h('span', null, 'new contract ', address(receipt.contractAddress, c.id)) : '—'],
        ['Value', amount(tx.value, symbol)],
        ['Fee', receipt ? feeOf(receipt, symbol) : '—'],
        ...(receipt && !isDeposit ? ([['Gas price', gwei(receipt.effectiveGasPrice)]] as [string, Child][]) : []),
        ['Gas used', receipt ? `${num(receipt.gasUsed)} of ${num(tx.gas)}` : '—'],
        ['Nonce · type', `${tx.nonce ?? '—'} · ${tx.typeHex ?? tx.type}`],
      ]),
    ),
    h('section.panel', null, h('h2', null, 'Call'), callView(call, tx.input, c, tx.to)),
    sent.length || relayed.length
      ? h(
          'section.panel',
          null,
          h('h2', null, 'Cross-chain messages'),
          h(
            'div.table-wrap',
            null,
            h(
              'table',
              null,
              h('thead', null, h('tr', null, h('th', null, 'Message'), h('th', null, ''), h('th', null, 'Route'), h('th', null, 'Status'))),
              h(
                'tbody',
                null,
                sent.map((m) => h('tr', null, h('td', null, hex(m.msgHash, routes.message(m.msgHash))), h('td', null, 'sent'), h('td', null, `${Number(m.source)} → ${Number(m.destination)}`), h('td', null, messageStatus(m)))),
                relayed.map((hash) => h('tr', null, h('td', null, hex(hash, routes.message(hash))), h('td', null, 'relayed here'), h('td', null, `→ ${c.id}`), h('td', null, badge('relayed', 'ok')))),
              ),
            ),
          ),
        )
      : null,
    h('section.panel', null, h('h2', null, `Logs (${logs.length})`), logsView(logs, c)),
    h('section.panel', null, h('h2', null, 'Internal calls'), trace
      ? h('div.calltree', null, h('ul', null, frameView(trace, c.id, symbol)))
      : traced === 'closed'
        ? h('p.empty', { 'data-trace-closed': '' }, `Call trees need debug_traceTransaction, closed on ${c.name}'s public RPC by default. Start the network with \`plexus up --rpc-expose debug\` (or set rpc.expose: ["debug"]) to see them here.`)
        : h('p.empty', null, 'No trace (the node did not trace this transaction).')),
  ])
}

/** Every frame of a call tree, depth first. */
function framesOf(f: CallFrame | undefined): CallFrame[] {
  return f ? [f, ...(f.calls ?? []).flatMap(framesOf)] : []
}

/**
 * The fee in its two parts, as the OP Stack charges it: L2 execution (gasUsed ×
 * effectiveGasPrice) and the L1 data fee (the receipt's l1Fee, from l1GasUsed × l1GasPrice
 * scaled). The receipt carries l1Fee as a hex quantity (this client has no OP formatters).
 */
function feeOf(r: TransactionReceipt, symbol: string): Child {
  const op = r as unknown as { l1Fee?: bigint | Hex | null; l1GasUsed?: bigint | Hex | null; l1GasPrice?: bigint | Hex | null }
  const big = (v: bigint | Hex | null | undefined) => (v === undefined || v === null ? undefined : BigInt(v))
  const l2 = r.gasUsed * r.effectiveGasPrice
  const l1 = big(op.l1Fee)
  const l1Gas = big(op.l1GasUsed)
  const l1Price = big(op.l1GasPrice)
  return h(
    'span',
    { 'data-fee': String(l2 + (l1 ?? 0n)), 'data-fee-l2': String(l2), 'data-fee-l1': l1 === undefined ? '' : String(l1) },
    h('strong.mono', null, feeAmount(l2 + (l1 ?? 0n), symbol)),
    h(
      'div.muted',
      { style: 'font-size:12px' },
      `L2 execution ${feeAmount(l2, symbol)} (${num(r.gasUsed)} gas × ${gwei(r.effectiveGasPrice)})`,
      l1 === undefined ? ' · no L1 data fee (a deposit)' : ` · L1 data ${feeAmount(l1, symbol)}${l1Gas !== undefined && l1Price !== undefined ? ` (${num(l1Gas)} L1 gas at ${gwei(l1Price)})` : ''}`,
    ),
  )
}

function callView(call: DecodedCall | undefined, input: Hex, c: ChainConn, to: Hex | null): Child {
  if (input === '0x') return h('p.muted', null, 'Plain transfer (no calldata).')
  if (!call) return h('div', null, h('p.muted', null, 'Unknown function: no known ABI matches its selector.'), h('div.mono.wrap', null, input.length > 400 ? `${input.slice(0, 400)}…` : input))
  return h('div', { 'data-call': call.functionName }, h('p', null, h('span.tag', null, call.contract), h('strong.mono', null, `${call.functionName}(…)`)), argsTable(call, c, to))
}

/** Decoded arguments; amounts in their token's units (or the native currency) where the unit is known. */
function argsTable(item: { args: { name: string; type: string; value: unknown }[] }, c: ChainConn, contract: string | null | undefined): Child {
  if (item.args.length === 0) return null
  return fields(
    item.args.map((a) => {
      const unit = typeof a.value === 'bigint' ? unitOf(c, contract, item, a.name) : undefined
      const value = unit ? h('span.mono', { 'data-amount': String(a.value), title: `${(a.value as bigint).toLocaleString('en-US')} base units` }, amount(a.value as bigint, unit.symbol, unit.decimals, unit.decimals)) : argValue(a.value, c.id)
      return [`${a.name} ${a.type ? `(${a.type})` : ''}`, value]
    }),
  )
}

function logsView(logs: { log: TransactionReceipt['logs'][number]; decoded: ReturnType<typeof decodeLog> }[], c: ChainConn): Child {
  if (logs.length === 0) return h('p.empty', null, 'No logs.')
  return logs.map(({ log: l, decoded: d }) =>
    h(
      'div.panel',
      { style: 'margin-bottom:8px;padding:12px', 'data-event': d?.eventName ?? '' },
      h('p', { style: 'margin:0 0 6px' }, h('span.muted', null, `#${l.logIndex} `), address(l.address, c.id), ' ', d ? h('strong.mono', null, d.eventName) : h('span.muted', null, 'unknown event')),
      d ? argsTable(d, c, l.address) : h('div.mono.wrap.muted', null, [...l.topics, l.data].join('\n')),
    ),
  )
}

function frameView(f: CallFrame, chainId: number, symbol: string): HTMLElement {
  const call = decodeCall(f.to, f.input, chainId)
  const value = f.value && BigInt(f.value) > 0n ? ` · ${amount(BigInt(f.value), symbol)}` : ''
  const failed = f.error !== undefined
  return h(
    'li',
    null,
    h('span.badge', null, f.type.toLowerCase()),
    ' ',
    address(f.to, chainId),
    ' ',
    h('strong', null, call ? `${call.functionName}(${call.args.map((a) => a.name).join(', ')})` : f.input === '0x' ? 'transfer' : f.input.slice(0, 10)),
    h('span.muted', null, `${value} · gas ${num(BigInt(f.gasUsed))}`),
    failed ? h('span.fail', null, ` ✕ ${f.revertReason ?? decodeRevert(f.output) ?? f.error}`) : null,
    f.calls?.length ? h('ul', null, f.calls.map((x) => frameView(x, chainId, symbol))) : null,
  )
}
