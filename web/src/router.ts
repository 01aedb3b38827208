import type { Network } from './net/network'
import { addressPage } from './pages/address'
import { blockPage } from './pages/block'
import { bridgePage } from './pages/bridge'
import { chainPage } from './pages/chain'
import { messagePage } from './pages/message'
import { messagesPage } from './pages/messages'
import { networkPage } from './pages/network'
import { searchPage } from './pages/search'
import { txPage } from './pages/tx'
import { h } from './ui/dom'

/** A page renders into `el` and returns what stops its live updates (run when the user leaves). */
export type Page = (el: HTMLElement, net: Network, params: Record<string, string>, query: URLSearchParams) => (() => void) | void

const ROUTES: [RegExp, Page][] = [
  [/^\/$/, networkPage],
  [/^\/chain\/(?<chain>\d+)$/, chainPage],
  [/^\/chain\/(?<chain>\d+)\/block\/(?<block>0x[0-9a-fA-F]{64}|\d+)$/, blockPage],
  [/^\/chain\/(?<chain>\d+)\/tx\/(?<hash>0x[0-9a-fA-F]{64})$/, txPage],
  [/^\/address\/(?<address>0x[0-9a-fA-F]{40})$/, addressPage],
  [/^\/messages(?:\/(?<tab>[a-z]+))?$/, messagesPage],
  [/^\/message\/(?<hash>0x[0-9a-fA-F]{64})$/, messagePage],
  [/^\/bridge$/, bridgePage],
  [/^\/search\/(?<q>.+)$/, searchPage],
]

export function route(path: string, el: HTMLElement, net: Network): (() => void) | void {
  const [pathname, search = ''] = path.split('?')
  for (const [re, page] of ROUTES) {
    const m = re.exec(pathname!)
    if (m) return page(el, net, { ...m.groups }, new URLSearchParams(search))
  }
  el.append(h('div.panel', null, h('h2', null, 'Not found'), h('p.muted', null, `No page at ${path}.`)))
}
