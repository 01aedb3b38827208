import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { configSchema } from './schema.js'

/** The package's root (this file is dist/src/cli/config/jsonSchema.js once built). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')

/** The JSON Schema shipped with the package, for editors (`# yaml-language-server: $schema=…`). */
export const JSON_SCHEMA_FILE = path.join(PACKAGE_ROOT, 'schema', 'plexus.schema.json')

/**
 * The config file's JSON Schema, generated from the zod schema (what a file may
 * contain: the input side of every transform). Relations between fields, checked
 * after the schema, are not in it.
 */
export function plexusJsonSchema(): Record<string, unknown> {
  const schema = allowEnvReferences(z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' })) as Record<string, unknown>
  return { ...schema, title: 'Plexus configuration (plexus.yaml)' }
}

/** A string holding a `${VAR}` reference, replaced from the environment when the file is read. */
const ENV_REFERENCE = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}', description: 'an environment variable reference, e.g. ${PLEXUS_DEPLOYER_KEY}' }

/** Patterned strings also accept `${VAR}` (a key or URL kept out of the file), so editors do not flag them. */
function allowEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnvReferences)
  if (node === null || typeof node !== 'object') return node
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'propertyNames' ? v : allowEnvReferences(v)]))
  if (out.type === 'string' && typeof out.pattern === 'string') {
    const { description, ...rest } = out
    return { ...(description !== undefined ? { description } : {}), anyOf: [rest, ENV_REFERENCE] }
  }
  return out
}

/** The schema file's exact text (the build writes it; a test checks it is current). */
export function plexusJsonSchemaText(): string {
  return `${JSON.stringify(plexusJsonSchema(), null, 2)}\n`
}
