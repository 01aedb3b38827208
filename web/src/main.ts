import './ui/styles.css'
import { readConfig } from './config'
import { learnContracts } from './net/abis'
import { Network } from './net/network'
import { route } from './router'
import { h, replace } from './ui/dom'
import { routes } from './ui/format'

/** The app shell: header (navigation, search on every chain), then the page the URL hash names. */
async function boot(): Promise<void> {
  const root = document.getElementById('app')!
  const config = readConfig()
  const net = new Network(config)
  const main = h('main', { id: 'main' }, h('p.muted', null, `Connecting to ${config.rpc} …`))
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search tx hash, block, address, message hash', 'aria-label': 'Search', autocomplete: 'off' })
  const navLink = (href: string, label: string) => h('a', { href, 'data-nav': href }, label)
  const header = h(
    'header.top',
    null,
    h(
      'div.bar',
      null,
      h('a.brand', { href: routes.network() }, 'Plexus'),
      h('nav.main', null, navLink(routes.network(), 'Network'), navLink(routes.messages(), 'Messages'), navLink(routes.bridge(), 'Bridge')),
      h(
        'form.search',
        {
          role: 'search',
          onsubmit: (e: Event) => {
            e.preventDefault()
            const q = search.value.trim()
            if (!q) return
            location.hash = routes.search(q)
            search.value = ''
            search.blur()
          },
        },
        search,
      ),
    ),
  )
  replace(root, header, main)

  try {
    await net.start()
  } catch (err) {
    replace(
      main,
      h(
        'div.panel',
        null,
        h('h2.error', null, 'Cannot reach the network'),
        h('p', null, `The dashboard talks to the chains through ${config.rpc}, which answered: `, h('span.mono', null, (err as Error).message?.split('\n')[0] ?? String(err))),
        h('p.muted', null, 'Start the network with ', h('span.mono', null, 'plexus up'), ', or open this page with ', h('span.mono', null, '?rpc=http://host:port'), ' pointing at any of its chains.'),
      ),
    )
    return
  }
  const learn = () => {
    for (const c of net.registry?.chains ?? []) {
      learnContracts(c.contracts.l2)
      learnContracts(c.contracts.superchainERC20)
      learnContracts(c.contracts.l1)
    }
    learnContracts(net.registry?.l1.contracts)
  }
  learn()
  net.on('chains', learn)

  let cleanup: (() => void) | void
  const render = () => {
    cleanup?.()
    const path = location.hash.replace(/^#/, '') || '/'
    for (const a of header.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
      const target = a.dataset.nav!.replace(/^#/, '')
      a.classList.toggle('active', target === '/' ? path === '/' || path.startsWith('/chain') : path.startsWith(target))
    }
    main.replaceChildren()
    cleanup = route(path, main, net)
    window.scrollTo(0, 0)
  }
  window.addEventListener('hashchange', render)
  render()
}

void boot()
