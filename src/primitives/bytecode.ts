/**
 * Runtime-bytecode matching, shared by the dashboard server (reading artifacts) and the
 * page (comparing them with eth_getCode). No imports: the web bundle includes this file.
 */

/** Drops the Solidity metadata (CBOR) the compiler appends; its last two bytes give its length. */
export function stripMetadata(code: string): string {
  const hex = code.toLowerCase().replace(/^0x/, '')
  if (hex.length < 4) return hex
  const len = parseInt(hex.slice(-4), 16)
  // The CBOR map starts with 0xa1..0xa5 (a map of 1..5 entries); anything else is no metadata.
  const start = hex.length - 4 - len * 2
  if (len > 0 && start >= 0 && /^a[1-5]$/.test(hex.slice(start, start + 2))) return hex.slice(0, start)
  return hex
}

/**
 * Whether deployed code is an artifact's runtime: equal once the metadata is stripped and
 * the immutables (filled in at deployment, zero in the artifact) are masked. The metadata
 * hash alone may differ (the same source built elsewhere), as Blockscout's partial match allows.
 */
export function sameRuntime(deployed: string, artifactRuntime: string, immutables: readonly (readonly [number, number])[]): boolean {
  let code = stripMetadata(deployed)
  const want = stripMetadata(artifactRuntime)
  if (code.length !== want.length || code.length === 0) return false
  for (const [start, length] of immutables) {
    if (start < 0 || length <= 0 || (start + length) * 2 > code.length) return false
    code = code.slice(0, start * 2) + '0'.repeat(length * 2) + code.slice((start + length) * 2)
  }
  return code === want
}
