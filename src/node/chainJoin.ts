import { genesisSlotFor } from '../execution/slots.js'
import { BaseError, ConfigError } from '../primitives/errors.js'
import type { Logger } from '../primitives/logger.js'
import { saveJoinedChain } from './datadir.js'
import { checkChainCount } from './networkLimits.js'
import type { NetworkChainOptions, NetworkL1Options } from './networkOptions.js'
import type { NetworkChain } from './networkChain.js'

/** What a join needs of the running network. */
export interface JoinHost<Registered extends { genesisSlot: bigint }> {
  datadir: string
  l1: NetworkL1Options
  slotTimeMs: number
  logger: Logger
  /** Every chain of the network (started and joined). */
  chains(): NetworkChainOptions[]
  /** The network slot the sequencer builds next. */
  nextSlot(): bigint
  /** Registers the chain on L1 (or reads its registration back); resolves with the slot of its block 0 as L1 holds it. */
  register(opts: NetworkChainOptions, genesisTime: bigint, genesisSlot: bigint): Promise<Registered>
  /** Starts the registered chain's node and makes it part of the network. */
  start(registered: Registered): Promise<NetworkChain>
}

/**
 * Adds a chain to a running network: registered on L1 with a network slot far enough
 * ahead for the registration to land first, recorded in the datadir (the next start
 * brings it back), started, and waited for until it has built its first block in a
 * shared slot. Callers run one join at a time.
 */
export async function joinChain<Registered extends { genesisSlot: bigint }>(host: JoinHost<Registered>, opts: NetworkChainOptions): Promise<NetworkChain> {
  checkJoiningChain(host.chains(), opts, host.slotTimeMs)
  checkChainCount(host.chains().length + 1)
  // If registering takes longer than the lead, the sequencer catches the chain up to the others.
  const lead = BigInt(Math.ceil(joinLeadMs(host.l1) / host.slotTimeMs))
  const registered = await host.register(opts, BigInt(Math.floor(Date.now() / 1000)), genesisSlotFor(host.nextSlot() + lead))
  const { genesisSlot } = registered
  saveJoinedChain(host.datadir, { options: opts, genesisSlot })
  const node = await host.start(registered)
  const joined = await waitUntil(() => node.reader.headHeader().number >= 1n, joinTimeoutMs(host.slotTimeMs, lead))
  if (!joined) throw new BaseError(`chain ${opts.chainId} was added but has not built a block yet; check the logs`)
  host.logger.info({ chainId: opts.chainId, genesisSlot: genesisSlot.toString(), rpc: node.rpcUrl() }, 'chain joined the network')
  return node
}

/**
 * How far ahead a joining chain's first slot is put: long enough to fund its proposer
 * and register it on L1 (a few L1 blocks).
 */
function joinLeadMs(l1: NetworkL1Options): number {
  return (l1.rpcUrl ? 12_000 : l1.embedded.blockTimeSeconds * 1000) * (5 + l1.confirmations) + 2_000
}

/** How long a join waits for the joined chain's first block. */
function joinTimeoutMs(slotTimeMs: number, lead: bigint): number {
  return 60_000 + Number(lead) * slotTimeMs
}

/** A joining chain must not clash with a chain of the network, and shares its slot clock. */
function checkJoiningChain(chains: readonly NetworkChainOptions[], opts: NetworkChainOptions, slotTimeMs: number): void {
  if (chains.some((c) => c.chainId === opts.chainId)) throw new ConfigError('chainId', `chain ${opts.chainId} is already part of this network; pick another chain id`)
  const port = chains.find((c) => opts.rpcPort !== 0 && c.rpcPort === opts.rpcPort && c.rpcHost === opts.rpcHost)
  if (port) throw new ConfigError('rpc.port', `port ${opts.rpcPort} is chain ${port.chainId}'s; pick another port`)
  if (opts.slotTimeMs !== slotTimeMs) throw new ConfigError('slotTimeMs', `${opts.slotTimeMs} differs from the network's ${slotTimeMs}; every chain of a network shares one slot clock`)
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > until) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}
