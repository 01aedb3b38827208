import type { Hex } from 'viem'
import type { Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { h, replace } from '../ui/dom'
import { hex, num, routes } from '../ui/format'

interface Hit {
  kind: string
  chain?: string
  label: HTMLElement | string
  href: string
}

/**
 * Search on every chain at once: a 32-byte hash as a transaction, a block hash and a
 * message hash; a number as a block on each chain; an address opens its page. One hit
 * opens directly; several are listed.
 */
export function searchPage(el: HTMLElement, net: Network, params: Record<string, string>): void {
  const q = decodeURIComponent(params.q ?? '').trim()
  const results = h('div.panel', null, h('p.muted', null, `Searching every chain for ${q} …`))
  el.append(h('div.page-head', null, h('h1', null, 'Search'), h('span.sub.mono', null, q)), results)
  void find(net, q).then((hits) => {
    if (hits.length === 1) {
      location.replace(hits[0]!.href)
      return
    }
    replace(
      results,
      hits.length === 0
        ? h('p.empty', { 'data-results': '0' }, 'Nothing found on any chain. Try a transaction hash, a block number or hash, an address, or a message hash.')
        : h(
            'div.table-wrap',
            { 'data-results': hits.length },
            h('table', null, h('thead', null, h('tr', null, h('th', null, 'Found'), h('th', null, 'Chain'), h('th', null, ''))), h('tbody', null, hits.map((x) => h('tr', null, h('td', null, x.kind), h('td', null, x.chain ?? 'network'), h('td', null, typeof x.label === 'string' ? h('a', { href: x.href }, x.label) : x.label))))),
          ),
    )
  })
}

async function find(net: Network, q: string): Promise<Hit[]> {
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) return [{ kind: 'address', label: hex(q, routes.address(q)), href: routes.address(q) }]
  if (/^\d+$/.test(q.replace(/[,_]/g, ''))) {
    const n = BigInt(q.replace(/[,_]/g, ''))
    const found = await Promise.all(net.chains.map(async (c) => ((await c.client.getBlock({ blockNumber: n }).catch(() => undefined)) ? c : undefined)))
    return found.filter((c) => c !== undefined).map((c) => ({ kind: 'block', chain: c.name, label: `Block ${num(n)}`, href: routes.block(c.id, n) }))
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(q)) return []
  const hash = q.toLowerCase() as Hex
  const perChain = await Promise.all(
    net.chains.map(async (c) => {
      const [tx, block] = await Promise.all([
        c.client.request({ method: 'eth_getTransactionByHash', params: [hash] }).catch(() => null),
        c.client.request({ method: 'eth_getBlockByHash', params: [hash, false] }).catch(() => null),
      ])
      const hits: Hit[] = []
      if (tx) hits.push({ kind: 'transaction', chain: c.name, label: hex(hash, routes.tx(c.id, hash)), href: routes.tx(c.id, hash) })
      if (block) hits.push({ kind: 'block', chain: c.name, label: hex(hash, routes.block(c.id, hash)), href: routes.block(c.id, hash) })
      return hits
    }),
  )
  const message = (await net.primary.request({ method: 'plexus_getMessage' as never, params: [hash] as never }).catch(() => null)) as RpcMessage | null
  return [...perChain.flat(), ...(message ? [{ kind: 'message', label: hex(hash, routes.message(hash)), href: routes.message(hash) }] : [])]
}
