import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'

/** A compiled contract as written by scripts/compile-contracts.mjs. */
export type Artifact = {
  contractName: string
  sourceName: string
  abi: Abi
  bytecode: Hex
  deployedBytecode: Hex
}

/** This file runs as dist/test/helpers/artifacts.js; the artifacts sit in dist/contracts/. */
const artifactsDir = new URL('../../contracts/', import.meta.url)

/**
 * Loads dist/contracts/<name>.json (e.g. `loadArtifact('DevToken')`).
 * Throws with a hint to build when the artifact does not exist.
 */
export function loadArtifact(name: string): Artifact {
  const url = new URL(`${name}.json`, artifactsDir)
  let text: string
  try {
    text = readFileSync(url, 'utf8')
  } catch (cause) {
    throw new Error(
      `contract artifact ${name} not found at ${fileURLToPath(url)}; run \`npm run build\` to compile contracts/src`,
      { cause },
    )
  }
  const artifact = JSON.parse(text) as Artifact
  return {
    contractName: artifact.contractName,
    sourceName: artifact.sourceName,
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    deployedBytecode: artifact.deployedBytecode,
  }
}
