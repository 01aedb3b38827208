import { describeMessage, messageUnit } from '../net/messageInfo'
import type { Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { h } from './dom'
import { address, amount } from './format'

/**
 * A message in one line, by sender, asset, amount and recipient: "0xab… sent 0.25 ETH to
 * 0xcd…", "… sent 7 PLX to …", or for any other message "Sender → Target.function".
 */
export function messageSummary(net: Network, m: RpcMessage): HTMLElement {
  const src = Number(m.source)
  const dst = Number(m.destination)
  const info = describeMessage(m)
  if (info.kind === 'call') {
    return h(
      'span',
      { 'data-summary': 'call' },
      address(info.from, src),
      h('span.muted', null, ' → '),
      address(info.to, dst),
      info.call ? h('strong.mono', null, ` .${info.call.functionName}()`) : null,
    )
  }
  const unit = messageUnit(net, m, info)
  const value = unit ? amount(info.amount, unit.symbol, unit.decimals, unit.decimals) : `${info.amount.toLocaleString('en-US')} base units of `
  return h(
    'span',
    { 'data-summary': info.kind, 'data-amount': String(info.amount) },
    address(info.from, src),
    h('span.muted', null, ' sent '),
    h('strong.mono', null, value),
    unit ? null : address(info.kind === 'erc20' ? info.token : null, dst),
    h('span.muted', null, ' to '),
    address(info.to, dst),
  )
}
