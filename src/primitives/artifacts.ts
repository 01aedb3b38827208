import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'
import { BaseError } from './errors.js'

/** A compiled contract as written by scripts/compile-contracts.mjs. */
export interface Artifact {
  contractName: string
  sourceName: string
  abi: Abi
  bytecode: Hex
  deployedBytecode: Hex
}

/** This file runs as dist/src/primitives/artifacts.js; the artifacts sit in dist/contracts/. */
const artifactsDir = new URL('../../contracts/', import.meta.url)
const cache = new Map<string, Artifact>()

/**
 * Loads dist/contracts/<name>.json (e.g. `loadArtifact('Portal')`), compiled from
 * contracts/src by the build. Throws with a hint to build when it does not exist.
 */
export function loadArtifact(name: string): Artifact {
  const cached = cache.get(name)
  if (cached) return cached
  const url = new URL(`${name}.json`, artifactsDir)
  let text: string
  try {
    text = readFileSync(url, 'utf8')
  } catch (cause) {
    throw new BaseError(`contract artifact ${name} not found at ${fileURLToPath(url)}`, {
      details: 'run `npm run build` to compile contracts/src',
      cause,
    })
  }
  const a = JSON.parse(text) as Artifact
  const artifact: Artifact = {
    contractName: a.contractName,
    sourceName: a.sourceName,
    abi: a.abi,
    bytecode: a.bytecode,
    deployedBytecode: a.deployedBytecode,
  }
  cache.set(name, artifact)
  return artifact
}
