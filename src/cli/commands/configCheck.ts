import { DEFAULT_CONFIG_FILE, loadConfig, toNetworkOptions } from '../config/index.js'

/**
 * `plexus config check [FILE]`: validates a config file as `plexus up` would (schema,
 * environment references, relations between fields) and summarizes the network it
 * describes. Throws the ConfigError listing every problem.
 */
export function configCheck(file = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig(file, env)
  const { chains } = toNetworkOptions(config)
  return `ok: ${chains.length} chain${chains.length === 1 ? '' : 's'} (ids ${chains.map((c) => c.chainId).join(', ')})`
}
