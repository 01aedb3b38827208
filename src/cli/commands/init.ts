import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../../primitives/errors.js'
import { DEFAULT_CONFIG_FILE, JSON_SCHEMA_FILE, PACKAGE_ROOT, starterConfig } from '../config/index.js'

export interface InitOptions {
  chains?: number
  out?: string
  force?: boolean
  /** Write the production template (real L1 from the environment, blobs, 7-day window) instead. */
  production?: boolean
}

/** The production template shipped with the package. */
export const PRODUCTION_TEMPLATE = path.join(PACKAGE_ROOT, 'templates', 'production.yaml')

/** Most chains `plexus init` writes (the schema's limit). */
const MAX_CHAINS = 64

/**
 * `plexus init`: writes a commented starter config (the dev network with N chains,
 * every field explained) that references the package's JSON Schema for editors.
 * `--production` writes the production template instead. Refuses to overwrite a file
 * unless `--force`. Returns the path written.
 */
export function init(opts: InitOptions): string {
  const chains = opts.chains ?? 2
  if (opts.production && opts.chains !== undefined) throw new ConfigError('--chains', 'cannot be combined with --production; edit the template\'s chains instead')
  if (!Number.isInteger(chains) || chains < 1 || chains > MAX_CHAINS) {
    throw new ConfigError('--chains', `must be an integer from 1 to ${MAX_CHAINS} (got ${chains})`)
  }
  const out = path.resolve(opts.out ?? DEFAULT_CONFIG_FILE)
  if (existsSync(out) && !opts.force) {
    throw new ConfigError('--out', `${out} already exists; pass --force to overwrite it, or --out another file`)
  }
  const schemaRef = path.relative(path.dirname(out), JSON_SCHEMA_FILE).split(path.sep).join('/')
  const text = opts.production
    ? readFileSync(PRODUCTION_TEMPLATE, 'utf8').replace(/^# yaml-language-server: \$schema=.*$/m, `# yaml-language-server: $schema=${schemaRef}`)
    : starterConfig({ chains, schemaRef })
  writeFileSync(out, text)
  return out
}
