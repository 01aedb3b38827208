import type { z } from 'zod'
import type { ConfigIssue } from '../../primitives/errors.js'
import { didYouMean } from './didYouMean.js'

/** `chains[2].gasToken.decimals` from zod's `['chains', 2, 'gasToken', 'decimals']`; `config` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z0-9_$-]+$/.test(String(part))) out += out ? `.${String(part)}` : String(part)
    else out += `[${JSON.stringify(String(part))}]`
  }
  return out || 'config'
}

/**
 * zod's issues as config issues: one per problem, each naming its path. Unknown keys
 * become one issue per key, with the closest allowed key at that level as a suggestion.
 */
export function issuesFromZod(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = objectKeysAt(schema, issue.path)
      for (const key of issue.keys) {
        const close = didYouMean(key, allowed)
        out.push({
          path: formatPath([...issue.path, key]),
          message: close ? `unknown key; did you mean "${close}"?` : `unknown key; remove it (allowed here: ${allowed.join(', ')})`,
        })
      }
    } else if (issue.code === 'invalid_key') {
      // A record key (an address) is wrong: its own message says how.
      out.push({ path: formatPath(issue.path), message: `bad key: ${issue.issues[0]?.message ?? issue.message}` })
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message })
    }
  }
  return out
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> }

/** The keys an object schema allows at `path` (through optional, default, pipe, array, record and union). */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes: z.ZodType[] = [schema]
  const unwrap = (node: z.ZodType): z.ZodType[] => {
    const def = node._zod.def as unknown as Def
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'readonly') && def.innerType) return unwrap(def.innerType)
    if (def.type === 'pipe' && def.in) return unwrap(def.in)
    if (def.type === 'union' && def.options) return def.options.flatMap(unwrap)
    return [node]
  }
  for (const part of path) {
    nodes = nodes.flatMap(unwrap).flatMap((node): z.ZodType[] => {
      const def = node._zod.def as unknown as Def
      if (def.type === 'object' && def.shape && typeof part === 'string') return def.shape[part] ? [def.shape[part]] : []
      if (def.type === 'array' && def.element && typeof part === 'number') return [def.element]
      if (def.type === 'record' && def.valueType) return [def.valueType]
      return []
    })
  }
  return [...new Set(nodes.flatMap(unwrap).flatMap((node) => {
    const def = node._zod.def as unknown as Def
    return def.type === 'object' && def.shape ? Object.keys(def.shape) : []
  }))]
}
