import { formatAudit } from '../rpc/plexus/audit.js'
import { z } from 'zod'
import { ConfigError } from '../primitives/errors.js'
import { toQuantity } from '../primitives/hex.js'
import type { AdminHandler } from './adminEndpoint.js'
import type { PlexusNetwork } from './network.js'
import { chainName, type NetworkChainOptions } from './networkOptions.js'
import { saveSnapshot } from './snapshot.js'

/** What `plexus chain add` may set; the rest is taken from the network's first chain. */
const chainAddSchema = z
  .object({
    name: z.string().min(1).max(64).optional(),
    chainId: z.number().int().positive().max(2 ** 53 - 1).optional(),
    rpcHost: z.string().min(1).optional(),
    rpcPort: z.number().int().min(0).max(65535).optional(),
    gasLimit: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
    challengeWindowSeconds: z.number().int().min(0).optional(),
    outputIntervalBlocks: z.number().int().min(1).optional(),
  })
  .strict()

export type ChainAddParams = z.input<typeof chainAddSchema>

/**
 * The methods of the local admin endpoint (`AdminEndpoint`) over a running network:
 * `admin_chains`, `admin_status`, `admin_addChain`, `admin_snapshot`, `admin_rpc`.
 */
export function networkAdminHandlers(network: PlexusNetwork, opts: { faultInjection: boolean } = { faultInjection: false }): Record<string, AdminHandler> {
  return {
    ...(opts.faultInjection
      ? {
          // The fault suite's hook: `[{ point }]` arms a one-shot fault (see node/faults.ts).
          admin_injectFault: ([params]: unknown[]) => {
            const point = network.faults.arm((params as { point?: unknown } | undefined)?.point)
            return { armed: true, point, fired: network.faults.firedCount }
          },
        }
      : {}),
    // Any RPC method of one chain, the restricted ones included (debug_*, plexus_retryMessage):
    // the token is the operator's key to what the public port does not expose.
    admin_rpc: async ([chainId, method, params]) => {
      if (typeof method !== 'string' || method === '') throw new ConfigError('method', 'give the RPC method to call, e.g. debug_traceTransaction')
      if (params !== undefined && !Array.isArray(params)) throw new ConfigError('params', 'give the method\'s params as a list')
      const id = Number(chainId)
      const node = Number.isSafeInteger(id) ? network.networkChains.find((n) => Number(n.chainId) === id) : undefined
      if (!node) throw new ConfigError('chainId', `no chain ${String(chainId)} in this network; see \`plexus chains\``)
      return node.callRpc(method, (params as unknown[] | undefined) ?? [])
    },
    admin_chains: () => network.registry().chains.map((c) => ({ ...c, head: headOf(network, c.chainId) })),
    admin_status: () => networkStatus(network),
    admin_audit: async () => formatAudit(await network.audit()),
    admin_addChain: async ([params]) => {
      const opts = joiningChainOptions(network.chains(), params)
      const node = await network.addChain(opts)
      const entry = network.registry().chains.find((c) => c.chainId === Number(node.chainId))!
      return { ...entry, head: headOf(network, entry.chainId) }
    },
    admin_snapshot: async ([file]) => {
      if (typeof file !== 'string' || file === '') throw new ConfigError('file', 'give the snapshot file to write')
      const saved = await saveSnapshot(network, file)
      return { file: saved.file, bytes: saved.bytes, heads: saved.manifest.heads }
    },
  }
}

/** A joining chain's options: what was asked, the next free chain id and port, the rest as the first chain's. */
export function joiningChainOptions(chains: readonly NetworkChainOptions[], params: unknown): NetworkChainOptions {
  const parsed = chainAddSchema.safeParse(params ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = issue.path.join('.') || 'chain'
    throw new ConfigError(at, issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}; the keys are ${Object.keys(chainAddSchema.shape).join(', ')}` : issue.message)
  }
  const p = parsed.data
  if (!chains[0]) throw new ConfigError('chains', 'the network has no chain to take defaults from')
  // The first chain's settings, less what makes it that chain (its own genesis accounts, its gas token).
  const { alloc: _alloc, gasToken: _gasToken, ...base } = chains[0]
  const chainId = p.chainId ?? Math.max(...chains.map((c) => c.chainId)) + 1
  const usedPorts = chains.map((c) => c.rpcPort).filter((port) => port !== 0)
  const rpcPort = p.rpcPort ?? (usedPorts.length === 0 ? 0 : Math.max(...usedPorts) + 1)
  return {
    ...base,
    chainId,
    name: chainName({ chainId, name: p.name }),
    rpcHost: p.rpcHost ?? base.rpcHost,
    rpcPort,
    gasLimit: p.gasLimit === undefined ? base.gasLimit : BigInt(p.gasLimit),
    challengeWindowSeconds: p.challengeWindowSeconds ?? base.challengeWindowSeconds,
    outputIntervalBlocks: p.outputIntervalBlocks ?? base.outputIntervalBlocks,
  }
}

function headOf(network: PlexusNetwork, chainId: number): { number: string; hash: string } {
  const header = network.networkChain(chainId).reader.headHeader()
  return { number: toQuantity(header.number), hash: `0x${Buffer.from(header.hash()).toString('hex')}` }
}

/**
 * `plexus status`: the L1 head, and per chain its unsafe / safe / finalized heads, the
 * blocks not yet batched and the output roots not yet proposed.
 */
export async function networkStatus(network: PlexusNetwork): Promise<Record<string, unknown>> {
  const chains = []
  let l1: unknown = null
  for (const opts of network.chains()) {
    const node = network.networkChain(opts.chainId)
    const s = (await node.settlement!.syncStatus()) as {
      unsafe: { number: string } | null
      safe: { number: string } | null
      finalized: { number: string } | null
      l1: unknown
      latestOutput: string
    }
    l1 = s.l1 ?? l1
    const unsafe = BigInt(s.unsafe?.number ?? 0)
    const safe = BigInt(s.safe?.number ?? 0)
    const latestOutput = BigInt(s.latestOutput)
    const interval = BigInt(opts.outputIntervalBlocks)
    chains.push({
      chainId: opts.chainId,
      name: chainName(opts),
      rpcUrl: node.rpcUrl(),
      unsafe: s.unsafe,
      safe: s.safe,
      finalized: s.finalized,
      // Blocks built but not yet in a batch on L1.
      pendingBatchBlocks: toQuantity(unsafe - safe),
      latestOutput: s.latestOutput,
      // Output roots due (every `interval` safe blocks) but not yet proposed.
      pendingProposals: toQuantity(safe / interval > latestOutput / interval ? safe / interval - latestOutput / interval : 0n),
    })
  }
  return { l1: { url: network.l1Url, head: l1 }, nextSlot: toQuantity(network.sequencing.nextSlot()), chains }
}
