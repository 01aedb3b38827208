import type { Abi, Hex } from 'viem'
import { sameRuntime } from '../../../src/primitives/bytecode'
import { contractName, verify } from './abis'
import type { ChainConn } from './network'

/** One of the user's compiled contracts, as the dashboard server serves it (/abis.json, from --abi-dir). */
interface UserContract {
  name: string
  source: string
  abi: Abi
  runtime: string
  immutables: [number, number][]
}

/** /abis.json is re-read at most this often: a fresh `forge build` shows on the next page. */
const REFRESH_MS = 1_000
let fetched: { at: number; list: Promise<UserContract[]> } | undefined

function userContracts(): Promise<UserContract[]> {
  if (!fetched || Date.now() - fetched.at > REFRESH_MS) {
    // Relative to the page: served by the dashboard server; none when the page is opened some other way.
    const list = fetch('./abis.json', { cache: 'no-cache' })
      .then((r) => (r.ok ? (r.json() as Promise<{ contracts?: UserContract[] }>) : { contracts: [] }))
      .then((b) => (Array.isArray(b.contracts) ? b.contracts : []))
      .catch(() => [] as UserContract[])
    fetched = { at: Date.now(), list }
  }
  return fetched.list
}

/** Code by chain and address: a contract's code does not change (short of a dev method). */
const codes = new Map<string, Promise<Hex | undefined>>()

/**
 * Names and decodes the user's contracts among `addresses` on chain `c`: a contract is
 * the artifact whose runtime equals its deployed code (metadata stripped, immutables
 * masked), as Blockscout matches verified sources. An ABI is never applied to code it was
 * not compiled to, so a lying artifact leaves its contract undecoded.
 */
export async function identify(c: ChainConn, addresses: (string | null | undefined)[]): Promise<void> {
  const unknown = [...new Set(addresses.filter((a): a is string => !!a && /^0x[0-9a-fA-F]{40}$/.test(a)).map((a) => a.toLowerCase()))].filter((a) => !contractName(a, c.id))
  if (unknown.length === 0) return
  const list = await userContracts()
  if (list.length === 0) return
  await Promise.all(
    unknown.map(async (a) => {
      const key = `${c.id}:${a}`
      let code = codes.get(key)
      if (!code) codes.set(key, (code = c.client.getCode({ address: a as Hex }).catch(() => undefined)))
      const deployed = await code
      if (!deployed || deployed === '0x') return
      const match = list.find((u) => typeof u.runtime === 'string' && Array.isArray(u.abi) && sameRuntime(deployed, u.runtime, Array.isArray(u.immutables) ? u.immutables : []))
      if (match) verify(c.id, a, match.name, match.abi)
    }),
  )
}
