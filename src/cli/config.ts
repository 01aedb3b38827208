import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../primitives/errors.js'
import { LOG_LEVELS } from '../primitives/logger.js'
import { SLOT_TIME_MAX_MS, SLOT_TIME_MIN_MS } from '../node/options.js'
import { ADDRESS_RE } from '../primitives/hex.js'

/**
 * The node's config file (YAML or JSON). Issue-2 scope: one chain. Unknown keys are
 * errors; every error names the exact path and how to fix it.
 */
const address = z.string().regex(ADDRESS_RE, 'must be a 0x-prefixed 20-byte hex address')

const chainIdSchema = z.number().int().positive().max(2 ** 53 - 1)
const rpcSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
  })
  .strict()

export const configSchema = z
  .object({
    datadir: z.string().min(1).optional(),
    logLevel: z.enum(LOG_LEVELS as [string, ...string[]]).optional(),
    chain: z
      .object({
        chainId: chainIdSchema.optional(),
        slotTimeMs: z.number().int().min(SLOT_TIME_MIN_MS).max(SLOT_TIME_MAX_MS).optional(),
        gasLimit: z.number().int().min(5_000_000).max(2 ** 53 - 1).optional(),
        genesis: z.string().min(1).optional(),
        feeRecipient: address.optional(),
        rpc: rpcSchema.optional(),
      })
      .strict()
      .optional(),
    /**
     * Replica mode (`plexus replica --config`): rebuild every chain of the network from
     * the L1 alone; `rpc.port` is the first chain's port, the next chains' follow it.
     */
    replica: z
      .object({
        l1RpcUrl: z.string().url('must be the L1 JSON-RPC URL, e.g. http://127.0.0.1:8545'),
        registry: address.optional(),
        rpc: rpcSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

export type PlexusConfig = z.infer<typeof configSchema>

export function loadConfig(file: string): PlexusConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError('config', `cannot read ${file}: ${(err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)
  } catch (err) {
    throw new ConfigError('config', `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`)
  }
  const parsed = configSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1) : 'config'
    let fix = issue.message
    if (issue.code === 'unrecognized_keys') fix = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them`
    throw new ConfigError(at, fix)
  }
  const config = parsed.data
  if (config.chain?.genesis && !path.isAbsolute(config.chain.genesis)) {
    config.chain.genesis = path.resolve(path.dirname(file), config.chain.genesis)
  }
  return config
}
