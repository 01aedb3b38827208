import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseDocument } from 'yaml'
import { ConfigError, type ConfigIssue } from '../../primitives/errors.js'
import { checkNetwork } from './checks.js'
import { interpolateEnv } from './env.js'
import { issuesFromZod } from './issues.js'
import { configSchema, type PlexusConfig } from './schema.js'

/** The config file `plexus up` and `plexus config check` read when none is named. */
export const DEFAULT_CONFIG_FILE = 'plexus.yaml'

/**
 * Validates a parsed config document: `${ENV}` references, then the schema (every field),
 * then the relations between fields. Throws one ConfigError carrying every issue found.
 */
export function parseConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env): PlexusConfig {
  const interpolated = interpolateEnv(doc ?? {}, env)
  const parsed = configSchema.safeParse(interpolated.value)
  if (!parsed.success) {
    // A field whose variable is unset is reported once, for the variable.
    const envPaths = new Set(interpolated.issues.map((i) => i.path))
    const fieldIssues = issuesFromZod(configSchema, parsed.error.issues).filter((i) => !envPaths.has(i.path))
    throw ConfigError.of([...interpolated.issues, ...fieldIssues])
  }
  const issues = [...interpolated.issues, ...checkNetwork(parsed.data)]
  if (issues.length > 0) throw ConfigError.of(issues)
  return parsed.data
}

/**
 * Reads a YAML (`.yaml`/`.yml`) or JSON config file and validates it (`parseConfig`).
 * Paths in the file (`datadir`, `chain.genesis`) are relative to the file.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): PlexusConfig {
  const config = parseConfig(readConfigDocument(file), env)
  const dir = path.dirname(path.resolve(file))
  if (config.datadir !== undefined) config.datadir = path.resolve(dir, config.datadir)
  if (config.abiDirs !== undefined) config.abiDirs = config.abiDirs.map((d) => path.resolve(dir, d))
  if (config.chain?.genesis !== undefined) config.chain.genesis = path.resolve(dir, config.chain.genesis)
  return config
}

/** The file's document, or a ConfigError for each syntax error (with its line and column). */
export function readConfigDocument(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError('config', code === 'ENOENT' ? `${file} does not exist; create one with \`plexus init\`` : `cannot read ${file}: ${(err as Error).message}`)
  }
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new ConfigError('config', `${file} is not valid JSON: ${(err as Error).message}`)
    }
  }
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    throw ConfigError.of(
      doc.errors.map((e): ConfigIssue => ({ path: 'config', message: `${file} is not valid YAML: ${e.message.split('\n')[0]}` })),
    )
  }
  return doc.toJS()
}
