import { devAccounts } from '../../execution/genesis.js'
import { reservedAddressReason } from '../../execution/predeploys.js'
import { chainName } from '../../node/networkOptions.js'
import type { ConfigIssue } from '../../primitives/errors.js'
import { formatPath } from './issues.js'
import type { ChainConfig, PlexusConfig } from './schema.js'
import { formatDurationMs } from './units.js'
import { toNetworkOptions } from './toNetworkOptions.js'

/**
 * What no single field can say about itself: the L1 mode's required companions, unique
 * chain ids, names and ports, one slot time, gas tokens on a real L1, and genesis
 * accounts that would collide with system addresses or each other. Runs on a config the
 * schema accepted; every problem is reported, each at the field to change.
 */
export function checkNetwork(config: PlexusConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const issue = (path: PropertyKey[], message: string) => issues.push({ path: formatPath(path), message })
  const l1 = config.l1 ?? {}
  const options = toNetworkOptions(config)
  const given = config.chains ?? []

  if (l1.rpcUrl !== undefined && l1.embedded !== undefined) {
    issue(['l1', 'embedded'], 'cannot be combined with l1.rpcUrl; keep embedded (Plexus runs anvil) or rpcUrl (your Ethereum node), not both')
  }
  if (l1.rpcUrl !== undefined && l1.deployerKey === undefined) {
    issue(['l1', 'deployerKey'], 'missing: required with l1.rpcUrl (it deploys the L1 contracts and funds the batcher and proposers); write deployerKey: ${PLEXUS_DEPLOYER_KEY} and export the key')
  }
  if (l1.rpcUrl !== undefined && config.devMethods === true) {
    issue(['devMethods'], 'only a dev network (the embedded L1, whose accounts are the public test mnemonic\'s) serves dev methods; on l1.rpcUrl they are always closed, so remove devMethods')
  }
  if (l1.rpcUrl === undefined && l1.beaconUrl !== undefined) {
    issue(['l1', 'beaconUrl'], 'only used with l1.rpcUrl (the embedded anvil serves blobs itself); remove it')
  }
  if (l1.rpcUrl !== undefined && config.da === 'blobs' && l1.beaconUrl === undefined) {
    issue(['l1', 'beaconUrl'], 'missing: required with l1.rpcUrl and da: blobs, to read the network\'s blobs back; give the beacon API URL of the L1')
  }

  const l1ChainId = l1.rpcUrl === undefined ? options.l1.embedded.chainId : undefined
  const l1Port = l1.rpcUrl === undefined ? options.l1.embedded.port : undefined
  const firstIndex = { chainId: new Map<number, number>(), name: new Map<string, number>(), port: new Map<number, number>() }
  const slotTimeMs = options.chains[0]?.slotTimeMs
  options.chains.forEach((c, i) => {
    const defaulted = (key: string) => (given[i] && (given[i] as Record<string, unknown>)[key] !== undefined ? '' : ` (the default for chains[${i}]; set it)`)
    const seen = firstIndex.chainId.get(c.chainId)
    if (seen !== undefined) issue(['chains', i, 'chainId'], `${c.chainId} is already the id of chains[${seen}]${defaulted('chainId')}; give every chain its own id`)
    else firstIndex.chainId.set(c.chainId, i)
    if (c.chainId === l1ChainId) issue(['chains', i, 'chainId'], `${c.chainId} is the L1's chain id${defaulted('chainId')}; give the rollup another id`)

    // A defaulted name (plexus-<chainId>) repeats only when the id does, reported above.
    const name = chainName(c)
    const seenName = firstIndex.name.get(name.toLowerCase())
    if (seenName !== undefined && given[i]?.name !== undefined) issue(['chains', i, 'name'], `"${name}" is already the name of chains[${seenName}]; give every chain its own name`)
    else firstIndex.name.set(name.toLowerCase(), i)

    if (c.rpcPort !== 0) {
      const seenPort = firstIndex.port.get(c.rpcPort)
      const where = given[i]?.rpc?.port !== undefined ? ['chains', i, 'rpc', 'port'] : ['chains', i, 'rpc']
      if (seenPort !== undefined) issue(where, `port ${c.rpcPort} is already the RPC port of chains[${seenPort}]; give every chain its own port (or 0 for any free one)`)
      else firstIndex.port.set(c.rpcPort, i)
      if (c.rpcPort === l1Port) issue(where, `port ${c.rpcPort} is the embedded L1's port; pick another one, or move the L1 with l1.embedded.port`)
    }

    if (slotTimeMs !== undefined && c.slotTimeMs !== slotTimeMs) {
      issue(['chains', i, 'slotTime'], `${formatDurationMs(c.slotTimeMs)} differs from chains[0]'s ${formatDurationMs(slotTimeMs)}; every chain of a network shares one slot clock, so give them all the same slot time`)
    }

    if (c.gasToken && c.gasToken.l1Address === undefined && l1.rpcUrl !== undefined) {
      issue(['chains', i, 'gasToken', 'l1Address'], 'missing: required with l1.rpcUrl (a test token is deployed only on the embedded L1); give the token\'s address on the L1')
    }
  })
  const realL1 = l1.rpcUrl !== undefined
  given.forEach((c, i) => {
    checkGenesisAccounts(c, i, issue, realL1)
    if (realL1) checkRealL1Chain(c, options.chains[i]!.challengeWindowSeconds, i, issue)
  })
  // Chains the flags made up (`--chains`) have nothing in `given` but the defaults.
  if (realL1) for (let i = given.length; i < options.chains.length; i++) checkRealL1Chain({}, options.chains[i]!.challengeWindowSeconds, i, issue)
  return issues
}

/**
 * The smallest challenge window a chain on a real L1 may have without
 * `acceptShortChallengeWindow`: a day for anyone watching to delete a wrong output root
 * before withdrawals can use it (OP Mainnet gives seven).
 */
export const MIN_REAL_L1_CHALLENGE_WINDOW_S = 86_400

/**
 * A chain on a real L1: no native asset that no one deposited (dev accounts, prefunds,
 * alloc balances), and a challenge window of at least a day unless acknowledged.
 */
function checkRealL1Chain(c: ChainConfig, challengeWindowSeconds: number, i: number, issue: (path: PropertyKey[], message: string) => void): void {
  const unbacked = 'on a real L1 (l1.rpcUrl) every wei on L2 must be deposited on L1, or it could be withdrawn against others\' deposits'
  if (c.prefund?.devAccounts === true) {
    issue(['chains', i, 'prefund', 'devAccounts'], `funds the public test mnemonic's accounts with ETH no one deposited (and anyone holds their keys); ${unbacked}: remove it and fund accounts with \`plexus deposit\` once the network is up`)
  }
  for (const address of Object.keys(c.prefund?.accounts ?? {})) {
    issue(['chains', i, 'prefund', 'accounts', address], `is a genesis balance no one deposited; ${unbacked}: remove it and deposit with \`plexus deposit\` once the network is up`)
  }
  for (const [address, account] of Object.entries(c.alloc ?? {})) {
    if (account.balance !== undefined && account.balance > 0n) {
      issue(['chains', i, 'alloc', address, 'balance'], `is a genesis balance no one deposited; ${unbacked}: set it to 0 and deposit with \`plexus deposit\` once the network is up`)
    }
  }
  if (challengeWindowSeconds < MIN_REAL_L1_CHALLENGE_WINDOW_S && c.acceptShortChallengeWindow !== true) {
    issue(['chains', i, 'challengeWindow'], `${formatDurationMs(challengeWindowSeconds * 1000)}${c.challengeWindow === undefined ? ' (the default)' : ''} is under the 1d minimum on a real L1: a wrong output root would become final before anyone could delete it; set "7d" (--challenge-window 604800), or set chains[${i}].acceptShortChallengeWindow: true (--accept-short-challenge-window) on a test network`)
  }
}

/** Prefunded and alloc accounts: not system addresses, each given in one place only. */
function checkGenesisAccounts(c: ChainConfig, i: number, issue: (path: PropertyKey[], message: string) => void, realL1: boolean): void {
  // The dev accounts are funded by default on the embedded L1 only.
  const funded = c.prefund?.devAccounts ?? !realL1
  const dev = new Set(funded ? devAccounts().map((a) => a.address.toLowerCase()) : [])
  const placed = new Map<string, string>()
  const entries: [PropertyKey[], string][] = [
    ...Object.keys(c.prefund?.accounts ?? {}).map((a): [PropertyKey[], string] => [['chains', i, 'prefund', 'accounts', a], a]),
    ...Object.keys(c.alloc ?? {}).map((a): [PropertyKey[], string] => [['chains', i, 'alloc', a], a]),
  ]
  for (const [path, address] of entries) {
    const a = address.toLowerCase()
    const reason = reservedAddressReason(a)
    if (reason) {
      issue(path, `${reason}; give the account another address`)
      continue
    }
    if (dev.has(a)) {
      issue(path, 'is a dev account, already funded by prefund.devAccounts; set prefund.devAccounts: false to fund it here, or use another address')
      continue
    }
    const first = placed.get(a)
    if (first) issue(path, `is also given at ${first}; give each account in one place (alloc entries have a balance too)`)
    else placed.set(a, formatPath(path))
  }
}
