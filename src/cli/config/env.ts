import type { ConfigIssue } from '../../primitives/errors.js'
import { formatPath } from './issues.js'

/** `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`. */
const REFERENCE_RE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * Replaces `${NAME}` in every string value of a parsed config document with the
 * environment variable, so secrets (keys, RPC URLs with API keys) stay out of the file.
 * An unset variable without a `:-default` is an issue naming the field and the variable.
 */
export function interpolateEnv(doc: unknown, env: NodeJS.ProcessEnv): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      return value.replace(REFERENCE_RE, (match, name: string | undefined, fallback: string | undefined) => {
        if (name === undefined) return '${'
        const v = env[name]
        if (v !== undefined && v !== '') return v
        if (fallback !== undefined) return fallback
        issues.push({ path: formatPath(path), message: `environment variable ${name} is not set; export ${name}=… before starting, or write the value here` })
        return match
      })
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]))
    }
    return value
  }
  return { value: walk(doc, []), issues }
}
